/**
 * What can go wrong talking to a daemon, as one error class a caller can tell apart by `code`.
 *
 * An answer from the daemon keeps its status and the stable `code` of its error shape
 * (daemon/harmoniad/API.md), so callers branch on `code`, never on message text. When there is
 * no answer at all (refused, timed out, cut off) or the answer is not the API's shape, `status`
 * is 0 and `code` says which, because a person fixes those differently (start the daemon,
 * check the URL) than a refused request.
 */

/** `code` of an error that is not the daemon's answer; `status` is 0 for these. */
export const CLIENT_CODES = Object.freeze({
  unreachable: 'unreachable',
  timeout: 'timeout',
  protocolError: 'protocol_error',
})

/** The code an error answer that carries none gets from its status alone (a proxy's page). */
const DEFAULT_CODES = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden_host',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_error',
  500: 'internal_error',
  503: 'unavailable',
}

/** Characters of a body that is not the daemon's JSON kept in the message. */
const MESSAGE_LIMIT = 300

export class HarmoniaError extends Error {
  /**
   * @param {{status: number, code: string, message: string, details?: unknown, cause?: unknown}} fields
   */
  constructor({ status, code, message, details = null, cause }) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'HarmoniaError'
    this.status = status
    this.code = code
    this.details = details ?? null
  }

  /** `details` as one readable line per problem (empty when there are none). */
  get problems() {
    return Array.isArray(this.details) ? this.details.map(formatProblem) : []
  }

  toJSON() {
    return { status: this.status, code: this.code, message: this.message, details: this.details }
  }
}

/**
 * The error for an answer with an error status. The daemon's JSON shape is used when the body
 * has it; anything else (a proxy, something else on the port) still becomes a HarmoniaError,
 * with the status's usual code and the start of the body as the message.
 */
export function errorFromAnswer(status, text, statusText = '') {
  let document = null
  try {
    document = text ? JSON.parse(text) : null
  } catch {
    document = null
  }
  if (document !== null && typeof document === 'object' && ('code' in document || 'message' in document)) {
    return new HarmoniaError({
      status,
      code: String(document.code || defaultCode(status)),
      message: String(document.message || statusText || `HTTP ${status}`),
      details: document.details ?? null,
    })
  }
  let body = String(text ?? '').split(/\s+/).filter(Boolean).join(' ')
  if (body.length > MESSAGE_LIMIT) body = `${body.slice(0, MESSAGE_LIMIT - 3)}...`
  const head = `HTTP ${status} ${statusText}`.trim()
  return new HarmoniaError({ status, code: defaultCode(status), message: body ? `${head}: ${body}` : head })
}

function defaultCode(status) {
  return DEFAULT_CODES[status] ?? (status >= 500 ? 'internal_error' : `http_${status}`)
}

/** No answer: `reason` says why in words a person can act on. */
export function unreachable(url, reason, cause) {
  return new HarmoniaError({
    status: 0,
    code: CLIENT_CODES.unreachable,
    message: `cannot reach the Harmonia daemon at ${url} (${reason})`,
    cause,
  })
}

export function timedOut(what, ms) {
  return new HarmoniaError({
    status: 0,
    code: CLIENT_CODES.timeout,
    message: `${what}: no answer within ${ms / 1000} s`,
  })
}

export function protocolError(message, cause) {
  return new HarmoniaError({ status: 0, code: CLIENT_CODES.protocolError, message, cause })
}

/**
 * Why a fetch or a stream failed, in a few words: undici hides the socket's error in `cause`.
 */
export function transportReason(error) {
  const cause = error?.cause
  const code = cause?.code ?? error?.code
  if (code === 'ECONNREFUSED') return 'connection refused; is harmoniad running?'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || error?.message === 'terminated') {
    return 'the connection was closed before the answer was complete'
  }
  const text = String(cause?.message || error?.message || error || 'unknown error')
  return text.split('\n')[0]
}

/**
 * One validation problem as a line: the engine's problems (`{message, file, line, task,
 * field}`) read like `harmonia validate` (an execution input's: `input 'NAME': message`);
 * pydantic-style ones (`{loc, msg}`) read `loc: msg`.
 */
export function formatProblem(problem) {
  if (problem === null || typeof problem !== 'object') return String(problem)
  if ('msg' in problem && !('message' in problem)) {
    const where = Array.isArray(problem.loc) ? problem.loc.join('.') : ''
    return where ? `${where}: ${problem.msg}` : String(problem.msg)
  }
  const parts = []
  const message = String(problem.message ?? '')
  if (problem.file || problem.line != null) {
    parts.push(`${problem.file || '<workflow>'}${problem.line != null ? `:${problem.line}` : ''}`)
  } else if (problem.task == null && String(problem.field ?? '').startsWith('input.')) {
    // an execution input's problem, as harmonia.protocol.problem_text says it
    return `input '${problem.field.slice('input.'.length)}': ${message}`
  }
  if (problem.task != null) parts.push(`task '${problem.task}'`)
  if (problem.field != null) parts.push(`field '${problem.field}'`)
  return parts.length ? `${parts.join(', ')}: ${message}` : message
}
