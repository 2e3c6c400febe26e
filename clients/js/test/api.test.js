// Every REST method against a real harmoniad; the last test checks, against the OpenAPI document
// the daemon serves, that the tests above sent a request to every one of its operations.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'

import { HarmoniaClient, HarmoniaError } from '../src/node.js'
import {
  ECHO_YAML,
  chainWorkflow,
  collect,
  echoWorkflow,
  range,
  recordingFetch,
  seqs,
  sleepWorkflow,
  until,
  useDaemon,
} from './support.js'

const state = useDaemon()
const sent = []
let client

test('service endpoints', async () => {
  client = new HarmoniaClient({ url: state.daemon.url, token: state.daemon.token, fetch: recordingFetch(sent) })
  const health = await client.health()
  assert.equal(health.status, 'ok')
  assert.equal(typeof health.version, 'string')
  const ready = await client.ready()
  assert.equal(ready.ready, true)
  assert.equal(typeof ready.running_executions, 'number')
  const discovery = await client.discovery()
  assert.equal(discovery.name, 'harmonia')
  assert.equal(discovery.port, state.daemon.port)
  assert.ok(discovery.event_types.includes('task_completed'))
  const openapi = await client.openapi()
  assert.equal(openapi.openapi.slice(0, 2), '3.')
  assert.ok('/api/v1/executions' in openapi.paths)
})

test('workflows: create (YAML text, JSON text, object), list, get, replace, delete', async () => {
  const info = await client.createWorkflow(ECHO_YAML)
  assert.deepEqual(
    [info.name, info.version, info.description, info.task_count, info.template],
    ['greet', '1.0.0', 'say hello, then goodbye', 2, false],
  )
  const fromJson = await client.createWorkflow(JSON.stringify(echoWorkflow('as-json')), { format: 'json' })
  assert.equal(fromJson.name, 'as-json')
  const fromObject = await client.createWorkflow(echoWorkflow('as-object'))
  assert.equal(fromObject.name, 'as-object')

  const page = await client.listWorkflows({ limit: 2, offset: 0 })
  assert.equal(page.limit, 2)
  assert.equal(page.items.length, 2)
  assert.ok(page.total >= 3)
  assert.equal(page.items[0].id, fromObject.id) // newest first
  const next = await client.listWorkflows({ limit: 2, offset: 2 })
  assert.ok(next.items.some((item) => item.id === info.id))

  const detail = await client.getWorkflow(info.id)
  assert.equal(detail.document.name, 'greet')
  assert.deepEqual(Object.keys(detail.document.tasks), ['hello', 'bye'])

  const replaced = await client.replaceWorkflow(info.id, ECHO_YAML.replace('1.0.0', '2.0.0'))
  assert.equal(replaced.id, info.id)
  assert.equal(replaced.version, '2.0.0')
  assert.equal(replaced.template, false)

  assert.deepEqual(await client.deleteWorkflow(fromJson.id), {
    id: fromJson.id, deleted: true, schedules_removed: [], schedules_disabled: [],
  })
  await assert.rejects(client.getWorkflow(fromJson.id), { name: 'HarmoniaError', status: 404, code: 'not_found' })
})

test('templates: import, list, get, instantiate, delete', async () => {
  const document = {
    kind: 'template',
    name: `js-greet-${Date.now()}`,
    parameters: { who: { type: 'string', default: 'world' }, n: { type: 'integer', minimum: 1 } },
    workflow: {
      name: 'greet-${param.who}',
      tasks: { hello: { component: 'core', action: 'echo', input: { n: '${param.n}' } } },
    },
  }
  const template = await client.createTemplate(document)
  assert.ok(template.id.startsWith('tpl-'))
  await assert.rejects(client.createTemplate(document), { status: 409, code: 'conflict' })
  const templates = await client.listTemplates({ limit: 1000 })
  assert.ok(templates.items.some((item) => item.id === template.id))
  const shown = await client.getTemplate(document.name)
  assert.deepEqual(shown.parameters.n, { type: 'integer', minimum: 1 })
  const made = await client.instantiateTemplate(document.name, { parameters: { who: 'you', n: 2 } })
  assert.equal(made.name, 'greet-you')
  assert.equal(made.origin.template_id, template.id)
  assert.deepEqual(made.origin.parameters, { who: 'you', n: 2 })
  assert.deepEqual((await client.getWorkflow(made.id)).document.tasks.hello.input, { n: 2 })
  await assert.rejects(client.instantiateTemplate(document.name, { parameters: { n: 0, x: 1 } }), (error) => {
    assert.equal(error.status, 422)
    assert.deepEqual(error.details.map((p) => p.field).sort(), ['parameters.n', 'parameters.x'])
    return true
  })
  const plain = await client.createWorkflow(ECHO_YAML)
  await assert.rejects(client.getTemplate(plain.id), { status: 404 })
  assert.equal(await client.deleteTemplate(template.id), undefined)
  await assert.rejects(client.getTemplate(template.id), { status: 404 })
})

test('an execution from start to end: create, get, list, events paged', async () => {
  const info = await client.createWorkflow(ECHO_YAML)
  const started = await client.createExecution({ workflow_id: info.id, input: { who: 'ann' } })
  assert.deepEqual(Object.keys(started.tasks).sort(), ['bye', 'hello'])
  const final = await client.wait(started.id, { timeout: 30_000 })
  assert.equal(final.status, 'completed')
  assert.deepEqual(final.tasks.bye.output, { prev: 'hi ann' })
  assert.deepEqual(final.input, { who: 'ann' })
  assert.equal(final.counts.completed, 2)

  const streamed = await collect(client.events(started.id))
  assert.deepEqual(seqs(streamed), range(1, final.last_seq))
  const first = await client.listEvents(started.id, { after: 0, limit: 2 })
  assert.deepEqual(seqs(first.items), [1, 2])
  assert.equal(first.next_after, 2)
  const rest = await client.listEvents(started.id, { after: first.next_after })
  assert.deepEqual([...first.items, ...rest.items], streamed)

  const listed = await client.listExecutions({ status: 'completed', limit: 1000 })
  const summary = listed.items.find((item) => item.id === started.id)
  assert.deepEqual([summary.workflow, summary.task_count, summary.done_count], ['greet', 2, 2])
  assert.equal(summary.last_seq, final.last_seq)
  assert.equal((await client.getExecution(started.id)).status, 'completed')
})

test('an inline workflow runs without being stored', async () => {
  const execution = await client.createExecution({ workflow: echoWorkflow('inline'), input: { who: 'bo' } })
  assert.deepEqual((await client.wait(execution.id)).tasks.hello.output, { msg: 'hi bo' })
})

test('cancel, then the operator actions conflict', async () => {
  const execution = await client.createExecution({ workflow: sleepWorkflow(30) })
  const stream = client.events(execution.id)
  await until(stream, (event) => event.type === 'task_started')
  const canceled = await client.cancelExecution(execution.id)
  assert.equal(canceled.id, execution.id)
  const rest = await collect(stream)
  assert.equal(rest.at(-1).type, 'workflow_canceled')
  assert.equal((await client.getExecution(execution.id)).status, 'canceled')
  const conflict = await client.cancelExecution(execution.id).catch((error) => error)
  assert.ok(conflict instanceof HarmoniaError)
  assert.deepEqual([conflict.status, conflict.code], [409, 'conflict'])
  await assert.rejects(client.pauseExecution(execution.id), { status: 409, code: 'conflict' })
})

test('pause and resume', async () => {
  // the first task runs until the test opens its gate: the pause lands while it runs however
  // slow a loaded machine is (a chain of sleeps could end before the pause arrived)
  const folder = mkdtempSync(path.join(tmpdir(), 'harmonia-js-gate-'))
  const gate = path.join(folder, 'open')
  const workflow = chainWorkflow(2, 0.01, 'pausable')
  workflow.tasks.s0 = {
    component: 'shell',
    action: 'run',
    input: { command: `while [ ! -e '${gate}' ]; do sleep 0.02; done` },
  }
  try {
    const execution = await client.createExecution({ workflow })
    const stream = client.events(execution.id)
    await until(stream, (event) => event.type === 'task_started')
    const paused = await client.pauseExecution(execution.id)
    assert.equal(paused.id, execution.id)
    writeFileSync(gate, '')
    await until(stream, (event) => event.type === 'workflow_paused')
    assert.equal((await client.getExecution(execution.id)).status, 'paused')
    const resumed = await client.resumeExecution(execution.id)
    assert.ok(['running', 'pending'].includes(resumed.status), resumed.status)
    const rest = await collect(stream)
    assert.equal(rest.at(-1).type, 'workflow_completed')
    await assert.rejects(client.resumeExecution(execution.id), { status: 409 })
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
})

test('checkpoint and restore', async () => {
  const execution = await client.createExecution({ workflow: echoWorkflow('to-restore') })
  await client.wait(execution.id)
  const checkpoint = await client.checkpointExecution(execution.id, { name: 'after the run' })
  assert.deepEqual([checkpoint.execution_id, checkpoint.name], [execution.id, 'after the run'])
  const unnamed = await client.checkpointExecution(execution.id)
  assert.equal(unnamed.execution_id, execution.id)
  const mine = await client.listCheckpoints({ execution_id: execution.id })
  assert.deepEqual(mine.items.map((item) => item.id).sort(), [checkpoint.id, unnamed.id].sort())
  const all = await client.listCheckpoints()
  assert.ok(all.items.some((item) => item.id === checkpoint.id))
  const restored = await client.restoreCheckpoint(checkpoint.id)
  assert.notEqual(restored.id, execution.id)
  assert.equal(restored.restored_from, checkpoint.id)
  assert.equal((await client.wait(restored.id)).status, 'completed')
})

test('retry a task: it and everything downstream run again', async () => {
  const execution = await client.createExecution({ workflow: echoWorkflow('to-retry') })
  const first = await client.wait(execution.id)
  const result = await client.retryTask(execution.id, 'hello')
  assert.deepEqual(result, { execution_id: execution.id, task_id: 'hello', reset: ['hello', 'bye'] })
  const final = await client.wait(execution.id)
  assert.equal(final.status, 'completed')
  assert.ok(final.last_seq > first.last_seq)
  // the first terminal event does not end the stream; the last one does
  const all = await collect(client.events(execution.id))
  assert.deepEqual(seqs(all), range(1, final.last_seq))
  assert.equal(all.filter((event) => event.type === 'workflow_completed').length, 2)
  await assert.rejects(client.retryTask(execution.id, 'no-such-task'), { status: 404 })
})

test('components and their actions', async () => {
  const { items } = await client.listComponents()
  const names = items.map((item) => item.name)
  for (const name of ['core', 'shell', 'python', 'http']) assert.ok(names.includes(name), name)
  const core = items.find((item) => item.name === 'core')
  assert.ok(core.actions.some((action) => action.name === 'echo'))
  const actions = await client.listActions('shell')
  assert.ok(actions.items.some((action) => action.name === 'run' && typeof action.input_schema === 'object'))
  await assert.rejects(client.listActions('no-such-component'), { status: 404, code: 'not_found' })
  const shell = await client.getComponent('shell')
  assert.deepEqual([shell.kind, shell.health, shell.endpoint], ['builtin', 'ok', null])
  await assert.rejects(client.getComponent('no-such-component'), { status: 404, code: 'not_found' })
})

test("Tekton's MCP v2 dialect: tools, capabilities, health, process", async () => {
  const { tools, count } = await client.mcpTools()
  assert.equal(count, 17)
  assert.ok(tools.some((tool) => tool.name === 'ExecuteWorkflow' && tool.parameters.workflow_id.required))
  const { capabilities } = await client.mcpCapabilities()
  assert.ok(capabilities.some((c) => c.name === 'workflow_execution' && c.tools.includes('ExecuteWorkflow')))
  const health = await client.mcpHealth()
  assert.deepEqual([health.status, health.component, health.tools], ['healthy', 'harmonia', 17])
  const listed = await client.mcpProcess({ tool_name: 'ListComponents', arguments: {} })
  assert.equal(listed.status, 'success')
  assert.ok(listed.result.items.some((item) => item.name === 'core'))
  const refused = await client.mcpProcess({ tool_name: 'NoSuchTool' })
  assert.deepEqual([refused.status, refused.result], ['error', null])
  assert.match(refused.error, /no tool 'NoSuchTool'/)
  const tekton = await client.discoveryV1()
  assert.deepEqual([tekton.component, tekton.metadata.mcp], ['harmonia', '/mcp'])
  assert.deepEqual(tekton, await client.discovery())
})

test('the stream of all executions', async () => {
  const execution = await client.createExecution({ workflow: echoWorkflow('global') })
  const mine = []
  for await (const event of client.allEvents({ after: `${execution.id}:0` })) {
    if (event.execution_id !== execution.id) continue
    mine.push(event)
    if (event.type === 'workflow_completed') break
  }
  assert.deepEqual(seqs(mine), range(1, mine.length))
})

test('schedules: create, list, get, pause, unpause, run now, delete', async () => {
  const workflow = await client.createWorkflow(echoWorkflow('scheduled'))
  await assert.rejects(client.createSchedule({ workflow_id: workflow.id, cron: '61 * * * *' }), {
    status: 422,
    code: 'validation_error',
  })
  const schedule = await client.createSchedule({ workflow_id: workflow.id, cron: '0 9 * * *', timezone: 'Europe/Paris' })
  assert.equal(schedule.timezone, 'Europe/Paris')
  assert.ok(schedule.next_planned_at)
  assert.ok((await client.listSchedules()).items.some((s) => s.id === schedule.id))
  assert.equal((await client.getSchedule(schedule.id)).cron, '0 9 * * *')
  assert.equal((await client.pauseSchedule(schedule.id)).next_planned_at, null)
  assert.equal((await client.unpauseSchedule(schedule.id)).paused, false)
  const run = await client.runScheduleNow(schedule.id)
  assert.equal(run.manual, true)
  const execution = await client.wait(run.execution_id)
  assert.equal(execution.trigger.schedule_id, schedule.id)
  assert.equal(await client.deleteSchedule(schedule.id), undefined)
  await assert.rejects(client.getSchedule(schedule.id), { status: 404, code: 'not_found' })
})

test('inbound hooks: create, list, get, deliver (signed), replay, rotate, delete', async () => {
  const workflow = await client.createWorkflow(echoWorkflow('hooked'))
  const hook = await client.createHook({ name: 'js-hook', workflow_id: workflow.id, input_map: { who: '/name' } })
  assert.ok(hook.secret.length >= 40)
  assert.ok((await client.listHooks()).items.some((h) => h.name === 'js-hook' && !('secret' in h)))
  assert.deepEqual((await client.getHook('js-hook')).input_map, { who: '/name' })
  const first = await client.deliverToHook('js-hook', { body: { name: 'node' }, secret: hook.secret, deliveryId: 'js-1' })
  assert.equal(first.replayed, false)
  const again = await client.deliverToHook('js-hook', { body: { name: 'node' }, secret: hook.secret, deliveryId: 'js-1' })
  assert.deepEqual([again.replayed, again.execution_id], [true, first.execution_id])
  assert.deepEqual((await client.wait(first.execution_id)).input, { who: 'node' })
  const rotated = await client.rotateHookSecret('js-hook')
  await assert.rejects(client.deliverToHook('js-hook', { body: {}, secret: hook.secret }), { status: 401, code: 'unauthorized' })
  assert.notEqual(rotated.secret, hook.secret)
  assert.equal(await client.deleteHook('js-hook'), undefined)
  await assert.rejects(client.getHook('js-hook'), { status: 404, code: 'not_found' })
})

/** A failing shell task `t` (no retries) with an echo `u` below it: a failed execution. */
function shellFixWorkflow(name) {
  return {
    name,
    defaults: { retry_policy: { max_retries: 0 } },
    tasks: {
      t: { component: 'shell', action: 'run', input: { command: ['false'] } },
      u: { component: 'core', action: 'echo', depends_on: ['t'], input: { after: '${tasks.t.output}' } },
    },
  }
}

async function failedRun(name) {
  const execution = await client.createExecution({ workflow: shellFixWorkflow(name) })
  const final = await client.wait(execution.id, { timeout: 30_000 })
  assert.equal(final.status, 'failed')
  assert.equal(final.tasks.t.status, 'failed')
  return execution.id
}

test('retry plan, then a retry with an input override: the plan is what the retry does', async () => {
  const id = await failedRun('js-retry-input')
  const plan = await client.retryPlan(id, 't')
  assert.deepEqual([plan.execution_id, plan.task_id, plan.status], [id, 't', 'failed'])
  assert.deepEqual([plan.reset, plan.allowed, plan.refusal], [['t', 'u'], true, null])
  assert.deepEqual(plan.input, { command: ['false'] })
  const result = await client.retryTask(id, 't', { input: { command: ['echo', 'fixed'] }, by: 'js-test' })
  assert.deepEqual(result, { execution_id: id, task_id: 't', reset: plan.reset })
  const final = await client.wait(id, { timeout: 30_000 })
  assert.equal(final.status, 'completed')
  assert.equal(final.tasks.t.output.stdout.trim(), 'fixed')
  assert.deepEqual(final.tasks.t.input_override, { command: ['echo', 'fixed'] })
  assert.deepEqual((await client.retryPlan(id, 't')).input, { command: ['echo', 'fixed'] })
  await assert.rejects(client.retryPlan(id, 'no-such-task'), { status: 404, code: 'not_found' })
  await assert.rejects(client.retryTask(id, 't', { input: [1, 2] }), { status: 422, code: 'validation_error' })
})

test('complete a failed task by hand: what is below it runs with the given output', async () => {
  const id = await failedRun('js-complete')
  const result = await client.completeTask(id, 't', { output: { stdout: 'by hand' }, by: 'js-test' })
  assert.deepEqual(result, { execution_id: id, task_id: 't', status: 'completed', reset: ['u'] })
  const final = await client.wait(id, { timeout: 30_000 })
  assert.equal(final.status, 'completed')
  assert.deepEqual(final.tasks.u.output, { after: { stdout: 'by hand' } })
  assert.deepEqual([final.tasks.t.operator.action, final.tasks.t.operator.by], ['complete', 'js-test'])
  const events = (await client.listEvents(id)).items
  assert.equal(events.filter((event) => event.type === 'task_completed_by_operator').length, 1)
  // a completed task is not to be completed again: a 409 naming its status, nothing recorded
  const conflict = await client.completeTask(id, 't', { output: null }).catch((error) => error)
  assert.deepEqual([conflict.status, conflict.code], [409, 'conflict'])
  assert.match(conflict.message, /is completed/)
  assert.equal((await client.getExecution(id)).last_seq, final.last_seq)
})

test('skip a failed task by hand: with a reason, and without a body', async () => {
  const id = await failedRun('js-skip')
  const result = await client.skipTask(id, 't', { reason: 'not needed today', by: 'js-test' })
  assert.deepEqual(result, { execution_id: id, task_id: 't', status: 'skipped', reset: ['u'] })
  const final = await client.wait(id, { timeout: 30_000 })
  assert.equal(final.status, 'completed')
  assert.deepEqual([final.tasks.t.status, final.tasks.u.status], ['skipped', 'skipped'])
  assert.deepEqual([final.tasks.t.operator.action, final.tasks.t.operator.reason], ['skip', 'not needed today'])
  const other = await failedRun('js-skip-bare')
  const bare = await client.skipTask(other, 't')
  assert.deepEqual([bare.status, bare.reset], ['skipped', ['u']])
  const skipped = await client.wait(other, { timeout: 30_000 })
  assert.deepEqual([skipped.status, skipped.tasks.t.operator.reason ?? null], ['completed', null])
})

test('approval gates: approve, reject, and a task not waiting is a conflict', async () => {
  const gate = (name) => ({
    name,
    tasks: {
      gate: { component: 'core', action: 'approve', input: { message: 'ship it?' } },
      after: { component: 'core', action: 'echo', depends_on: ['gate'], input: { ok: true } },
    },
  })
  const waiting = async (name) => {
    const execution = await client.createExecution({ workflow: gate(name) })
    const stream = client.events(execution.id)
    await until(stream, (event) => event.type === 'task_waiting' && event.task_id === 'gate')
    assert.equal((await client.getExecution(execution.id)).tasks.gate.status, 'waiting')
    return { id: execution.id, stream }
  }

  const approved = await waiting('js-approve')
  await assert.rejects(client.approveTask(approved.id, 'after'), { status: 409, code: 'conflict' })
  const yes = await client.approveTask(approved.id, 'gate', { reason: 'looks good', by: 'js-test' })
  assert.deepEqual(
    [yes.execution_id, yes.task_id, yes.decision, yes.by, yes.reason, yes.timed_out],
    [approved.id, 'gate', 'approved', 'js-test', 'looks good', false],
  )
  assert.equal(typeof yes.decided_at, 'string')
  const rest = await collect(approved.stream)
  assert.equal(rest.at(-1).type, 'workflow_completed')
  assert.ok(rest.some((event) => event.type === 'approval_decided' && event.data.decision === 'approved'))
  assert.equal((await client.getExecution(approved.id)).tasks.after.status, 'completed')
  // decided: the gate waits no more
  await assert.rejects(client.rejectTask(approved.id, 'gate'), { status: 409, code: 'conflict' })

  const rejected = await waiting('js-reject')
  const no = await client.rejectTask(rejected.id, 'gate') // no body: the daemon names who
  assert.deepEqual([no.decision, no.reason, no.timed_out], ['rejected', null, false])
  assert.equal(typeof no.by, 'string')
  await collect(rejected.stream)
  const final = await client.getExecution(rejected.id)
  assert.equal(final.status, 'failed')
  assert.equal(final.tasks.gate.status, 'failed')
  assert.equal(final.tasks.gate.error.kind, 'rejected')
  await assert.rejects(client.approveTask('ex-none', 'gate'), { status: 404, code: 'not_found' })
})

test('outbound webhook deliveries: a page, filtered (none here: the daemon notifies nobody)', async () => {
  const page = await client.listWebhookDeliveries({ limit: 10, offset: 0 })
  assert.deepEqual(page, { items: [], total: 0, limit: 10, offset: 0 })
  const filtered = await client.listWebhookDeliveries({ status: 'failed', execution_id: 'ex-none' })
  assert.deepEqual([filtered.items, filtered.total], [[], 0])
  await assert.rejects(client.listWebhookDeliveries({ status: 'lost' }), { status: 422 })
})

test('every operation of the OpenAPI document was called above', async () => {
  const document = await client.openapi()
  const missing = []
  for (const [template, operations] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`)
    for (const [method, operation] of Object.entries(operations)) {
      const called = sent.some((request) => request.method === method.toUpperCase() && pattern.test(request.url.pathname))
      if (!called) missing.push(`${operation.operationId} (${method.toUpperCase()} ${template})`)
    }
  }
  assert.deepEqual(missing, [], `operations no test called: ${missing.join(', ')}`)
})
