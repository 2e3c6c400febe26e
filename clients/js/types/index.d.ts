/**
 * Types of harmonia-client. Request and answer shapes come from the daemon's OpenAPI document
 * (./openapi.d.ts, generated); this file declares the client over them. A test checks both
 * against a live daemon: every operation has a method, answering its OpenAPI response type.
 */

import type {
  ActionList,
  ApprovalDecision,
  ApprovalResult,
  Checkpoint,
  CheckpointCreate,
  CheckpointList,
  CompleteAction,
  ComponentInfo,
  ComponentList,
  DeliveryList,
  Discovery,
  ErrorBody,
  Event,
  EventPage,
  Execution,
  ExecutionCreate,
  ExecutionList,
  ExecutionSummary,
  FixResult,
  Health,
  Hook,
  HookCreate,
  HookDelivered,
  HookList,
  HookSecret,
  McpCapabilities,
  McpHealth,
  McpProcess,
  McpProcessAnswer,
  McpToolList,
  Ready,
  ResumeAction,
  RetryAction,
  RetryPlan,
  RetryResult,
  InstantiatedWorkflow,
  TemplateDetail,
  TemplateDocument,
  TemplateInfo,
  Schedule,
  ScheduleCreate,
  ScheduleList,
  ScheduleRun,
  SkipAction,
  TemplateInstantiate,
  TemplateList,
  WorkflowDeleted,
  WorkflowDetail,
  WorkflowDocument,
  WorkflowInfo,
  WorkflowList,
  operations,
} from './openapi.js'

export type * from './openapi.js'

/** The query parameters of an operation, as the OpenAPI document declares them. */
export type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>

/** Per call: `signal` aborts it (it then rejects with the signal's reason); `timeout` in ms
 * (the client's by default; null for none) rejects with a `timeout` HarmoniaError. */
export interface CallOptions {
  signal?: AbortSignal
  timeout?: number | null
}

/** How hard a stream tries to get a dropped connection back (milliseconds). */
export interface ReconnectOptions {
  /** Consecutive failed attempts before giving up with an `unreachable` HarmoniaError. */
  attempts?: number
  initialDelay?: number
  maxDelay?: number
  /** A connection up this long resets the attempt budget. */
  stableAfter?: number
}

/** A standard WebSocket constructor (the browser's, or a compatible one). */
export type WebSocketClass = new (url: string) => WebSocket

export interface ClientOptions {
  /** Default: `$HARMONIA_URL` where there is an environment, else http://127.0.0.1:8007. */
  url?: string
  /** Default: `$HARMONIA_TOKEN` where there is an environment. */
  token?: string
  /** Milliseconds a call may take (default 30000); null for no limit. */
  timeout?: number | null
  reconnect?: ReconnectOptions
  /** Milliseconds without a byte before a stream counts as dead (default 60000). */
  streamIdleTimeout?: number
  fetch?: typeof fetch
  /** The WebSocket class for `wsEvents` (default: the global one); the token goes in its URL. */
  WebSocket?: WebSocketClass
  /** Open the event WebSocket yourself (extra headers, a proxy): any object with the standard
   * WebSocket interface. The Node entry point's opener sends the token as a header. */
  openWebSocket?: (url: string, options: { token: string | null }) => WebSocket
}

export interface StreamOptions {
  /** Start after this seq (default: the whole history). */
  after?: number | null
  /** Go on after the execution's end (a resume or retry shows up on the same stream). */
  follow?: boolean
  signal?: AbortSignal
  reconnect?: ReconnectOptions
}

export interface AllEventsOptions {
  /** `'<execution_id>:<seq>'`: that execution's events after seq come first. */
  after?: string | null
  signal?: AbortSignal
  reconnect?: ReconnectOptions
}

export interface WaitOptions {
  /** Milliseconds (default: no limit); then a `timeout` HarmoniaError. */
  timeout?: number | null
  signal?: AbortSignal
}

/** A workflow file's text (YAML, or JSON with `format: 'json'`) or its document. */
export type WorkflowSource = string | Uint8Array | WorkflowDocument

export type WorkflowOptions = CallOptions & {
  /** What text is: 'yaml' (default) or 'json'; an object is always sent as JSON. */
  format?: 'yaml' | 'json'
}

export type TemplateSource = string | Uint8Array | TemplateDocument

export type TemplateOptions = WorkflowOptions & QueryOf<'create_template'>

/** `code` of an error that is no answer of the daemon (`status` 0). */
export type ClientCode = 'unreachable' | 'timeout' | 'protocol_error'

export declare const CLIENT_CODES: {
  readonly unreachable: 'unreachable'
  readonly timeout: 'timeout'
  readonly protocolError: 'protocol_error'
}

export declare class HarmoniaError extends Error {
  constructor(fields: { status: number; code: string; message: string; details?: unknown; cause?: unknown })
  readonly name: 'HarmoniaError'
  /** The HTTP status; 0 when there was no answer (see `code`). */
  readonly status: number
  /** The daemon's stable error code (ErrorBody's), or a ClientCode. Newer daemons may add codes. */
  readonly code: ErrorBody['code'] | ClientCode | (string & {})
  /** For a validation error, the list of problems. */
  readonly details: ErrorBody['details'] | null
  /** `details` as one readable line per problem. */
  readonly problems: string[]
  toJSON(): { status: number; code: string; message: string; details: ErrorBody['details'] | null }
}

export declare function formatProblem(problem: unknown): string

export declare const DEFAULT_URL: 'http://127.0.0.1:8007'
export declare const DEFAULT_TIMEOUT: number
export declare const STREAM_IDLE_TIMEOUT: number
export declare const DEFAULT_RECONNECT: Readonly<Required<ReconnectOptions>>
/** operationId of the daemon's OpenAPI document -> HarmoniaClient method. */
export declare const OPERATIONS: Readonly<Record<keyof operations, keyof HarmoniaClient>>
export declare function connectableUrl(url: string): string

export declare class HarmoniaClient {
  constructor(options?: ClientOptions)
  url: string
  token: string | null
  timeout: number | null
  readonly reconnect: Readonly<Required<ReconnectOptions>>

  // service
  /** Needs no token. */
  health(options?: CallOptions): Promise<Health>
  ready(options?: CallOptions): Promise<Ready>
  discovery(options?: CallOptions): Promise<Discovery>
  discoveryV1(options?: CallOptions): Promise<Discovery>
  /** The OpenAPI 3.1 document. */
  openapi(options?: CallOptions): Promise<Record<string, unknown>>

  // workflows
  createWorkflow(document: WorkflowSource, options?: WorkflowOptions): Promise<WorkflowInfo>
  listWorkflows(options?: CallOptions & QueryOf<'list_workflows'>): Promise<WorkflowList>
  getWorkflow(id: string, options?: CallOptions): Promise<WorkflowDetail>
  replaceWorkflow(
    id: string,
    document: WorkflowSource,
    options?: WorkflowOptions,
  ): Promise<WorkflowInfo>
  /** What became of its schedules: those of its file removed, those made for it disabled. */
  deleteWorkflow(id: string, options?: CallOptions): Promise<WorkflowDeleted>

  // templates
  createTemplate(document: TemplateSource, options?: TemplateOptions): Promise<TemplateInfo>
  listTemplates(options?: CallOptions & QueryOf<'list_templates'>): Promise<TemplateList>
  getTemplate(name: string, options?: CallOptions): Promise<TemplateDetail>
  deleteTemplate(name: string, options?: CallOptions): Promise<void>
  instantiateTemplate(
    name: string,
    body?: TemplateInstantiate,
    options?: CallOptions,
  ): Promise<InstantiatedWorkflow>

  // executions
  createExecution(body: ExecutionCreate, options?: CallOptions): Promise<Execution>
  listExecutions(options?: CallOptions & QueryOf<'list_executions'>): Promise<ExecutionList>
  getExecution(id: string, options?: CallOptions): Promise<Execution>
  cancelExecution(id: string, options?: CallOptions): Promise<ExecutionSummary>
  pauseExecution(id: string, options?: CallOptions): Promise<ExecutionSummary>
  resumeExecution(id: string, body?: ResumeAction, options?: CallOptions): Promise<ExecutionSummary>
  checkpointExecution(id: string, body?: CheckpointCreate, options?: CallOptions): Promise<Checkpoint>
  /** `input` is merged over the task's rendered input for its next attempts. */
  retryTask(id: string, taskId: string, body?: RetryAction, options?: CallOptions): Promise<RetryResult>
  /** What a retry now would run again, whether it would be refused; changes nothing. */
  retryPlan(id: string, taskId: string, options?: CallOptions): Promise<RetryPlan>
  /** A failed, pending, waiting or canceled task completed by hand with `output`. */
  completeTask(id: string, taskId: string, body: CompleteAction, options?: CallOptions): Promise<FixResult>
  /** A failed, pending, waiting or canceled task skipped by hand. */
  skipTask(id: string, taskId: string, body?: SkipAction, options?: CallOptions): Promise<FixResult>
  /** Decide a task waiting at an approval gate: approved, it completes with the decision. */
  approveTask(id: string, taskId: string, body?: ApprovalDecision, options?: CallOptions): Promise<ApprovalResult>
  /** Rejected, it fails with kind `rejected`. */
  rejectTask(id: string, taskId: string, body?: ApprovalDecision, options?: CallOptions): Promise<ApprovalResult>
  listEvents(id: string, options?: CallOptions & QueryOf<'list_events'>): Promise<EventPage>
  listCheckpoints(options?: CallOptions & QueryOf<'list_checkpoints'>): Promise<CheckpointList>
  restoreCheckpoint(id: string, options?: CallOptions): Promise<Execution>

  // schedules
  listSchedules(options?: CallOptions): Promise<ScheduleList>
  createSchedule(body: ScheduleCreate, options?: CallOptions): Promise<Schedule>
  getSchedule(id: string, options?: CallOptions): Promise<Schedule>
  deleteSchedule(id: string, options?: CallOptions): Promise<void>
  pauseSchedule(id: string, options?: CallOptions): Promise<Schedule>
  unpauseSchedule(id: string, options?: CallOptions): Promise<Schedule>
  runScheduleNow(id: string, options?: CallOptions): Promise<ScheduleRun>

  listHooks(options?: CallOptions): Promise<HookList>
  /** The answer's `secret` is shown this once. */
  createHook(body: HookCreate, options?: CallOptions): Promise<HookSecret>
  getHook(name: string, options?: CallOptions): Promise<Hook>
  deleteHook(name: string, options?: CallOptions): Promise<void>
  rotateHookSecret(name: string, options?: CallOptions): Promise<HookSecret>
  /** `body` signed now with the hook's `secret` (required); `deliveryId`: a retry sends the
   * same one. */
  deliverToHook(
    name: string,
    options?: CallOptions & { body?: unknown; secret?: string; deliveryId?: string },
  ): Promise<HookDelivered>

  // outbound webhooks
  /** Deliveries with their attempts, newest first. */
  listWebhookDeliveries(
    options?: CallOptions & QueryOf<'list_webhook_deliveries'>,
  ): Promise<DeliveryList>

  // components
  listComponents(options?: CallOptions): Promise<ComponentList>
  getComponent(name: string, options?: CallOptions): Promise<ComponentInfo>
  listActions(name: string, options?: CallOptions): Promise<ActionList>

  // Tekton's MCP v2 dialect: the 17 workflow tools
  mcpHealth(options?: CallOptions): Promise<McpHealth>
  mcpCapabilities(options?: CallOptions): Promise<McpCapabilities>
  mcpTools(options?: CallOptions): Promise<McpToolList>
  /** A tool's failure answers `status: 'error'`; it does not reject. */
  mcpProcess(body: McpProcess, options?: CallOptions): Promise<McpProcessAnswer>

  // live events
  /** One execution's events over SSE, each once and in order across reconnections, until it
   * has ended (unless `follow`). */
  events(executionId: string, options?: StreamOptions): AsyncGenerator<Event, void, undefined>
  /** Every execution's events over SSE, live; never ends by itself. */
  allEvents(options?: AllEventsOptions): AsyncGenerator<Event, void, undefined>
  /** `events` over the WebSocket, with batch frames unpacked. */
  wsEvents(executionId: string, options?: StreamOptions): AsyncGenerator<Event, void, undefined>
  /** The execution once it has ended. */
  wait(executionId: string, options?: WaitOptions): Promise<Execution>
}
