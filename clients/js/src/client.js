/**
 * `HarmoniaClient`: one method per endpoint of daemon/harmoniad/API.md, plus live events.
 *
 * Methods are named after the OpenAPI document's operationIds, camelCased
 * (`list_executions` -> `listExecutions`), so the document says what each one does and a test
 * checks that none is missing; `OPERATIONS` is that map. Answers are the daemon's JSON as plain
 * objects. The last argument of every method is an options object: the endpoint's query
 * parameters, if it has any, plus `signal` (an AbortSignal) and `timeout` (milliseconds).
 */

import { DEFAULT_RECONNECT, isActive, segment, StreamCursor } from './cursor.js'
import { HarmoniaError } from './errors.js'
import { Deadline, send, sleep } from './http.js'
import { sseEvents } from './sse.js'
import { standardOpener, wsEvents } from './websocket.js'

export const DEFAULT_URL = 'http://127.0.0.1:8007'
/** Milliseconds a call may take, answer included, unless told otherwise. */
export const DEFAULT_TIMEOUT = 30_000

/** operationId in the daemon's OpenAPI document -> method of HarmoniaClient. */
export const OPERATIONS = Object.freeze({
  health: 'health',
  ready: 'ready',
  discovery: 'discovery',
  discovery_v1: 'discoveryV1',
  openapi: 'openapi',
  create_workflow: 'createWorkflow',
  list_workflows: 'listWorkflows',
  get_workflow: 'getWorkflow',
  replace_workflow: 'replaceWorkflow',
  delete_workflow: 'deleteWorkflow',
  create_template: 'createTemplate',
  list_templates: 'listTemplates',
  get_template: 'getTemplate',
  delete_template: 'deleteTemplate',
  instantiate_template: 'instantiateTemplate',
  create_execution: 'createExecution',
  list_executions: 'listExecutions',
  get_execution: 'getExecution',
  cancel_execution: 'cancelExecution',
  pause_execution: 'pauseExecution',
  resume_execution: 'resumeExecution',
  checkpoint_execution: 'checkpointExecution',
  retry_task: 'retryTask',
  retry_plan: 'retryPlan',
  complete_task: 'completeTask',
  skip_task: 'skipTask',
  approve_task: 'approveTask',
  reject_task: 'rejectTask',
  list_events: 'listEvents',
  list_checkpoints: 'listCheckpoints',
  restore_checkpoint: 'restoreCheckpoint',
  list_components: 'listComponents',
  get_component: 'getComponent',
  list_actions: 'listActions',
  mcp_health: 'mcpHealth',
  mcp_capabilities: 'mcpCapabilities',
  mcp_tools: 'mcpTools',
  mcp_process: 'mcpProcess',
  list_schedules: 'listSchedules',
  create_schedule: 'createSchedule',
  get_schedule: 'getSchedule',
  delete_schedule: 'deleteSchedule',
  pause_schedule: 'pauseSchedule',
  unpause_schedule: 'unpauseSchedule',
  run_schedule_now: 'runScheduleNow',
  list_hooks: 'listHooks',
  create_hook: 'createHook',
  get_hook: 'getHook',
  delete_hook: 'deleteHook',
  rotate_hook_secret: 'rotateHookSecret',
  deliver_to_hook: 'deliverToHook',
  list_webhook_deliveries: 'listWebhookDeliveries',
  stream_execution: 'events',
  stream_all: 'allEvents',
})

const API = '/api/v1'
const MEDIA_TYPES = { yaml: 'application/yaml', json: 'application/json' }
const CALL_OPTIONS = new Set(['signal', 'timeout'])

/** Environment variables, where there is an environment (Node, Deno, Bun; not a browser). */
function environment(name) {
  const value = globalThis.process?.env?.[name]
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

/** `http://0.0.0.0:8007` (a daemon bound to every interface) is reached on loopback, whose name
 * the daemon's Host check accepts. */
export function connectableUrl(url) {
  const trimmed = String(url).trim().replace(/\/+$/, '')
  const fixed = trimmed.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1')
  let parsed
  try {
    parsed = new URL(fixed)
  } catch {
    throw new TypeError(`invalid daemon URL '${url}': expected http://HOST:PORT`)
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.host) {
    throw new TypeError(`invalid daemon URL '${url}': expected http://HOST:PORT`)
  }
  return fixed
}

/** Split a method's last argument into query parameters and call options. */
function split(options = {}) {
  const query = {}
  const call = {}
  for (const [name, value] of Object.entries(options ?? {})) {
    if (CALL_OPTIONS.has(name)) call[name] = value
    else query[name] = value
  }
  return { query, call }
}

/** The headers of a signed hook delivery (WebCrypto: Node 20+ and browsers alike). */
async function signedHeaders(secret, text, deliveryId) {
  const encoder = new TextEncoder()
  const timestamp = String(Math.floor(Date.now() / 1000))
  const key = await globalThis.crypto.subtle.importKey(
    'raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'],
  )
  const mac = await globalThis.crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}.${text}`))
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('')
  const id = deliveryId ?? [...globalThis.crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, '0')).join('')
  return {
    'X-Harmonia-Timestamp': timestamp,
    'X-Harmonia-Delivery': id,
    'X-Harmonia-Signature-256': `sha256=${hex}`,
  }
}

/** The path of one task of an execution. */
function taskPath(id, taskId) {
  return `${API}/executions/${segment(id)}/tasks/${segment(taskId)}`
}

function jsonBody(body) {
  return { body: JSON.stringify(body ?? {}), contentType: MEDIA_TYPES.json }
}

/** A workflow as the daemon takes it: text as given (YAML keeps its line numbers for error
 * messages), an object as JSON. */
function documentBody(document, format) {
  if (typeof document === 'string' || document instanceof Uint8Array) {
    const contentType = MEDIA_TYPES[format ?? 'yaml']
    if (!contentType) throw new TypeError(`format must be 'yaml' or 'json', not '${format}'`)
    return { body: document, contentType }
  }
  if (document === null || typeof document !== 'object') {
    throw new TypeError('a workflow is YAML or JSON text, or an object (the workflow document)')
  }
  return jsonBody(document)
}

export class HarmoniaClient {
  /** Options: see ClientOptions in types/index.d.ts and the README. */
  constructor(options = {}) {
    const { url, token, timeout = DEFAULT_TIMEOUT, reconnect = {}, streamIdleTimeout } = options
    this.url = connectableUrl(url ?? environment('HARMONIA_URL') ?? DEFAULT_URL)
    this.token = token?.trim() || environment('HARMONIA_TOKEN') || null
    this.timeout = timeout
    this.reconnect = { ...DEFAULT_RECONNECT, ...reconnect }
    const fetchImpl = options.fetch ?? globalThis.fetch
    if (typeof fetchImpl !== 'function') throw new TypeError('no fetch here: pass {fetch}')
    const boundFetch = options.fetch ?? ((...args) => fetchImpl.apply(globalThis, args))
    const openWebSocket = options.openWebSocket ?? standardOpener(options.WebSocket ?? globalThis.WebSocket)
    // what the readers need, read afresh per call: `client.token = ...` applies from then on
    Object.defineProperty(this, '_config', {
      enumerable: false,
      get: () => ({
        url: this.url,
        token: this.token,
        timeout: this.timeout,
        streamIdleTimeout,
        fetch: boundFetch,
        openWebSocket,
      }),
    })
  }

  _send(method, path, { query, body, contentType, extraHeaders, call = {} } = {}) {
    return send(this._config, { method, path, query, body, contentType, extraHeaders, ...call })
  }

  /** A call to an endpoint that takes no query parameters: of `options`, only `signal` and
   * `timeout` count. */
  _call(method, path, options) {
    return this._send(method, path, { call: split(options).call })
  }

  /** A POST of a JSON body (`{}` when left out) to an endpoint that takes no query parameters. */
  _postJson(path, body, options) {
    return this._send('POST', path, { call: split(options).call, ...jsonBody(body) })
  }

  // ---- service ----------------------------------------------------------------------------

  /** Needs no token: a cheap "is it up" check. */
  async health(options) {
    return this._call('GET', '/health', options)
  }

  async ready(options) {
    return this._call('GET', '/ready', options)
  }

  async discovery(options) {
    return this._call('GET', '/discovery', options)
  }

  /** The same answer at the path most Tekton components serve it at. */
  async discoveryV1(options) {
    return this._call('GET', `${API}/discovery`, options)
  }

  async openapi(options) {
    return this._call('GET', '/openapi.json', options)
  }

  // ---- workflows --------------------------------------------------------------------------

  /** Store a workflow: YAML or JSON text (`format`, default yaml) or a document object. */
  async createWorkflow(document, options = {}) {
    const { format, ...rest } = options
    const { query, call } = split(rest)
    return this._send('POST', `${API}/workflows`, { query, call, ...documentBody(document, format) })
  }

  async listWorkflows(options) {
    return this._send('GET', `${API}/workflows`, split(options))
  }

  async getWorkflow(id, options) {
    return this._call('GET', `${API}/workflows/${segment(id)}`, options)
  }

  /** Replace the definition. */
  async replaceWorkflow(id, document, options = {}) {
    const { format, ...rest } = options
    const { query, call } = split(rest)
    return this._send('PUT', `${API}/workflows/${segment(id)}`, { query, call, ...documentBody(document, format) })
  }

  async deleteWorkflow(id, options) {
    return this._call('DELETE', `${API}/workflows/${segment(id)}`, options)
  }

  // ---- templates --------------------------------------------------------------------------

  /** Import a template file (`kind: template`): YAML or JSON text (`format`) or an object;
   * `replace: true` replaces the template of the same name (otherwise a 409). */
  async createTemplate(document, options = {}) {
    const { format, ...rest } = options
    const { query, call } = split(rest)
    return this._send('POST', `${API}/templates`, { query, call, ...documentBody(document, format) })
  }

  async listTemplates(options) {
    return this._send('GET', `${API}/templates`, split(options))
  }

  /** A template by name or id, with its `parameters` and `document`. */
  async getTemplate(name, options) {
    return this._call('GET', `${API}/templates/${segment(name)}`, options)
  }

  async deleteTemplate(name, options) {
    return this._call('DELETE', `${API}/templates/${segment(name)}`, options)
  }

  /** A new stored workflow made from the template: `{parameters?, name?}`; a 422 names every
   * bad value (`details[].field`: `parameters.NAME`). */
  async instantiateTemplate(name, body = {}, options) {
    return this._postJson(`${API}/templates/${segment(name)}/instantiate`, body, options)
  }

  // ---- executions -------------------------------------------------------------------------

  /** Start a stored workflow `{workflow_id, input?}` or an unstored one `{workflow, input?}`. */
  async createExecution(body, options) {
    return this._postJson(`${API}/executions`, body, options)
  }

  /** Newest first; options: `status`, `limit`, `offset`. */
  async listExecutions(options) {
    return this._send('GET', `${API}/executions`, split(options))
  }

  async getExecution(id, options) {
    return this._call('GET', `${API}/executions/${segment(id)}`, options)
  }

  /** Running tasks are cancelled; a 409 `conflict` when the execution has ended. */
  async cancelExecution(id, options) {
    return this._operate(id, 'cancel', options)
  }

  /** Start nothing new; running tasks finish. */
  async pauseExecution(id, options) {
    return this._operate(id, 'pause', options)
  }

  /** A paused, failed or canceled execution goes on; failed tasks get fresh attempts.
   * `{from_damaged: true}` resumes a `damaged` one from the readable part of its journal. */
  async resumeExecution(id, body = {}, options) {
    return this._operate(id, 'resume', options, body)
  }

  async _operate(id, action, options, body = {}) {
    return this._postJson(`${API}/executions/${segment(id)}/${action}`, body, options)
  }

  /** A named snapshot: `{name?}`. */
  async checkpointExecution(id, body = {}, options) {
    return this._postJson(`${API}/executions/${segment(id)}/checkpoint`, body, options)
  }

  /** Run the task and everything downstream of it again (exactly `retryPlan`'s `reset`).
   * `{input?, by?}`: `input` is merged over the task's rendered input (top-level keys) for its
   * next attempts; `by` is who did it, as the journal records it. */
  async retryTask(id, taskId, body = {}, options) {
    return this._taskAction(id, taskId, 'retry', options, body)
  }

  /** What a retry of the task now would run again (`reset`, `unexpanded`), whether it would be
   * refused (`allowed`, `refusal`), and its `input` as last rendered; changes nothing. */
  async retryPlan(id, taskId, options) {
    return this._call('GET', `${taskPath(id, taskId)}/retry-plan`, options)
  }

  /** Mark a failed, pending, waiting or canceled task completed with `{output, by?}` (any JSON,
   * null included); the tasks below it are decided again and a finished execution runs on.
   * A 409 names the task's status when it does not apply. */
  async completeTask(id, taskId, body, options) {
    if (body === null || typeof body !== 'object' || !('output' in body)) {
      throw new TypeError('completeTask needs the output: { output, by? }')
    }
    return this._taskAction(id, taskId, 'complete', options, body)
  }

  /** Mark a failed, pending, waiting or canceled task skipped: `{reason?, by?}`. */
  async skipTask(id, taskId, body = {}, options) {
    return this._taskAction(id, taskId, 'skip', options, body)
  }

  /** Approve a task waiting at an approval gate (`core.approve`): it completes with the
   * decision. `{reason?, by?}`; a 409 when the task is not waiting at a gate. */
  async approveTask(id, taskId, body = {}, options) {
    return this._taskAction(id, taskId, 'approve', options, body)
  }

  /** Reject a task waiting at an approval gate: it fails, kind `rejected`. `{reason?, by?}`. */
  async rejectTask(id, taskId, body = {}, options) {
    return this._taskAction(id, taskId, 'reject', options, body)
  }

  async _taskAction(id, taskId, action, options, body = {}) {
    return this._postJson(`${taskPath(id, taskId)}/${action}`, body, options)
  }

  /** Recorded events after `after`, oldest first (no waiting for new ones); `limit`. */
  async listEvents(id, options) {
    return this._send('GET', `${API}/executions/${segment(id)}/events`, split(options))
  }

  /** Options: `execution_id`. */
  async listCheckpoints(options) {
    return this._send('GET', `${API}/checkpoints`, split(options))
  }

  /** A new execution that starts from the checkpoint. */
  async restoreCheckpoint(id, options) {
    return this._call('POST', `${API}/checkpoints/${segment(id)}/restore`, options)
  }

  // ---- schedules --------------------------------------------------------------------------

  async listSchedules(options) {
    return this._call('GET', `${API}/schedules`, options)
  }

  /** `{workflow_id, cron + timezone? | interval, input?, missed?, max_missed?, overlap?, ...}`;
   * a bad expression, zone, interval or input is a 422 naming the field. */
  async createSchedule(body, options) {
    return this._postJson(`${API}/schedules`, body, options)
  }

  async getSchedule(id, options) {
    return this._call('GET', `${API}/schedules/${segment(id)}`, options)
  }

  /** The executions it started stay. */
  async deleteSchedule(id, options) {
    return this._call('DELETE', `${API}/schedules/${segment(id)}`, options)
  }

  async pauseSchedule(id, options) {
    return this._call('POST', `${API}/schedules/${segment(id)}/pause`, options)
  }

  /** It counts its planned times from now on. */
  async unpauseSchedule(id, options) {
    return this._call('POST', `${API}/schedules/${segment(id)}/unpause`, options)
  }

  /** One run now, whatever the overlap policy. */
  async runScheduleNow(id, options) {
    return this._call('POST', `${API}/schedules/${segment(id)}/run-now`, options)
  }

  // ---- inbound hooks ----------------------------------------------------------------------

  /** Every inbound hook (never a secret). */
  async listHooks(options) {
    return this._call('GET', `${API}/hooks`, options)
  }

  /** `{name, workflow_id, input_map?, window?, description?}`; the answer's `secret` is shown
   * this once. */
  async createHook(body, options) {
    return this._postJson(`${API}/hooks`, body, options)
  }

  async getHook(name, options) {
    return this._call('GET', `${API}/hooks/${segment(name)}`, options)
  }

  /** The executions it started stay. */
  async deleteHook(name, options) {
    return this._call('DELETE', `${API}/hooks/${segment(name)}`, options)
  }

  /** A new secret (in the answer); the old one stops working at once. */
  async rotateHookSecret(name, options) {
    return this._call('POST', `${API}/hooks/${segment(name)}/rotate`, options)
  }

  /** Deliver `body` to a hook as a sender does: signed now with the hook's `secret`
   * (HMAC-SHA256 of `{timestamp}.{body}`). `deliveryId`: a retry sends the same one. */
  async deliverToHook(name, { body, secret, deliveryId, ...options } = {}) {
    if (typeof secret !== 'string' || secret === '') {
      throw new TypeError("deliverToHook needs the hook's secret: { body, secret }")
    }
    const text = JSON.stringify(body ?? {})
    const extraHeaders = await signedHeaders(secret, text, deliveryId)
    return this._send('POST', `${API}/hooks/${segment(name)}`, {
      call: split(options).call,
      body: text,
      contentType: MEDIA_TYPES.json,
      extraHeaders,
    })
  }

  // ---- outbound webhooks ------------------------------------------------------------------

  /** Outbound webhook deliveries (workflows' `notify:`, `harmoniad --notify`) with their
   * attempts, newest first; options: `execution_id`, `status` (pending, delivered, failed),
   * `limit`, `offset`. */
  async listWebhookDeliveries(options) {
    return this._send('GET', `${API}/webhooks/deliveries`, split(options))
  }

  // ---- components -------------------------------------------------------------------------

  async listComponents(options) {
    return this._call('GET', `${API}/components`, options)
  }

  /** One component as the list shows it; a 404 says where the daemon looked. */
  async getComponent(name, options) {
    return this._call('GET', `${API}/components/${segment(name)}`, options)
  }

  async listActions(name, options) {
    return this._call('GET', `${API}/components/${segment(name)}/actions`, options)
  }

  // ---- Tekton's MCP v2 dialect: the 17 workflow tools -----------------------------------

  async mcpHealth(options) {
    return this._call('GET', '/api/mcp/v2/health', options)
  }

  async mcpCapabilities(options) {
    return this._call('GET', '/api/mcp/v2/capabilities', options)
  }

  /** The tools, their parameters as Python type reprs (as Tekton components list theirs). */
  async mcpTools(options) {
    return this._call('GET', '/api/mcp/v2/tools', options)
  }

  /**
   * Call a tool: `{tool_name, arguments}`. A tool that fails answers `status: 'error'` with
   * the reason in `error`; it does not reject.
   */
  async mcpProcess(body, options) {
    return this._postJson('/api/mcp/v2/process', body, options)
  }

  // ---- live events ------------------------------------------------------------------------

  /**
   * One execution's events over SSE, each exactly once and in order, across dropped
   * connections and daemon restarts: its history after `after` (all of it by default), then
   * live ones, until the execution has ended (unless `follow`).
   */
  events(executionId, { after = null, follow = false, signal, reconnect } = {}) {
    const cursor = this._cursor(executionId, after, follow, reconnect)
    return sseEvents(this._config, cursor, { signal, isOver: (c, s) => this._isOver(c, s) })
  }

  /** Every execution's events over SSE, live, never ending by itself (abort or `break`).
   * `after` is `'<execution_id>:<seq>'`: that execution's events after seq come first. */
  allEvents({ after = null, signal, reconnect } = {}) {
    const cursor = this._cursor(null, after, false, reconnect)
    return sseEvents(this._config, cursor, { signal, isOver: async () => false })
  }

  /** `events` over the WebSocket `/ws/executions/{id}` (batch frames), same guarantees. */
  wsEvents(executionId, { after = null, follow = false, signal, reconnect } = {}) {
    return wsEvents(this._config, this._cursor(executionId, after, follow, reconnect), { signal })
  }

  /** The execution once it has ended (completed, failed, canceled...), by following its events;
   * `timeout` (ms, default none) rejects with a `timeout` HarmoniaError. Paused has not ended. */
  async wait(executionId, { timeout = null, signal } = {}) {
    const deadline = new Deadline(signal, timeout)
    try {
      let execution = await this.getExecution(executionId, { signal: deadline.signal })
      if (!isActive(execution)) return execution
      for await (const _ of this.events(executionId, { after: execution.last_seq, signal: deadline.signal })) {
        // the stream ends with the execution
      }
      const backoff = this._cursor(executionId, null, false)
      for (;;) {
        try {
          execution = await this.getExecution(executionId, { signal: deadline.signal })
          return execution
        } catch (error) {
          // the daemon may be restarting at this very moment: as patient as the stream was
          if (!(error instanceof HarmoniaError) || error.status !== 0) throw error
          await sleep(backoff.dropped(error.message), deadline.signal)
        }
      }
    } catch (error) {
      if (deadline.expired && !signal?.aborted) {
        throw new HarmoniaError({
          status: 0,
          code: 'timeout',
          message: `execution ${executionId} did not end within ${timeout / 1000} s`,
        })
      }
      throw error
    } finally {
      deadline.dispose()
    }
  }

  _cursor(executionId, after, follow, reconnect) {
    if (executionId !== null && (typeof executionId !== 'string' || !executionId)) {
      throw new TypeError('an execution id (a non-empty string) is required')
    }
    return new StreamCursor({
      url: this.url,
      executionId,
      after,
      follow,
      reconnect: { ...this.reconnect, ...reconnect },
    })
  }

  /** A stream closed cleanly without a terminal event last: the daemon stopping, or an
   * execution that had ended before the stream's start. Ask the daemon which. */
  async _isOver(cursor, signal) {
    if (!cursor.mayEnd) return false
    if (cursor.lastTerminal) return true
    try {
      return cursor.complete(await this.getExecution(cursor.executionId, { signal }))
    } catch (error) {
      if (error instanceof HarmoniaError && (error.status === 0 || error.status >= 500)) return false
      throw error
    }
  }
}
