/**
 * The bookkeeping of an event stream that survives dropped connections, shared by the SSE and
 * the WebSocket readers (it does no I/O).
 *
 * It remembers the last seq seen per execution, so a reconnection asks for exactly what comes
 * next (`Last-Event-ID`, `?after=`) and a repeat is dropped even if a daemon replays too much;
 * it decides whether a cleanly closed stream is the end; and it paces reconnection attempts
 * with exponential backoff, giving up after a number of consecutive failures.
 */

import { unreachable } from './errors.js'

/** How hard to try to get a dropped stream back (milliseconds). */
export const DEFAULT_RECONNECT = Object.freeze({
  /** Consecutive failed attempts allowed (about half a minute with the default delays). */
  attempts: 10,
  initialDelay: 250,
  maxDelay: 5000,
  /** A connection that stayed up this long counts as a success even if it carried no event
   * (an idle execution), so the attempt budget starts afresh. */
  stableAfter: 10_000,
})

/** Milliseconds without a byte before a stream counts as dead: the daemon pings every 15 s. */
export const STREAM_IDLE_TIMEOUT = 60_000

/** Events after which one execution's stream has nothing more to say, unless it is resumed. */
const TERMINAL_EVENTS = new Set(['workflow_completed', 'workflow_failed', 'workflow_canceled'])

/** Statuses of an execution that may still record events by itself. Any other one (completed,
 * failed, canceled, and whatever a newer daemon adds) means a cleanly closed stream is over. */
const ACTIVE_STATUSES = new Set(['pending', 'running', 'paused'])

export function isActive(execution) {
  return ACTIVE_STATUSES.has(execution?.status)
}

/** An id as one path segment (`a/b` must not become two); a missing id is the caller's bug. */
export function segment(value) {
  if ((typeof value !== 'string' && typeof value !== 'number') || value === '') {
    throw new TypeError(`an id (a non-empty string) is required, not ${JSON.stringify(value) ?? String(value)}`)
  }
  return encodeURIComponent(String(value))
}

export class StreamCursor {
  /**
   * @param {{url: string, executionId: string | null, after?: number | string | null,
   *   follow?: boolean, reconnect?: Partial<typeof DEFAULT_RECONNECT>}} options
   */
  constructor({ url, executionId, after = null, follow = false, reconnect = {} }) {
    this.url = url
    this.executionId = executionId
    this.follow = Boolean(follow)
    this.reconnect = { ...DEFAULT_RECONNECT, ...reconnect }
    /** @type {Map<string, number>} */
    this.seen = new Map()
    this.lastEventId = null
    this.failures = 0
    this.lastTerminal = false
    this._connectedAt = null
    if (after !== null && after !== undefined) this._startAfter(after)
  }

  _startAfter(after) {
    const text = String(after)
    if (this.executionId !== null) {
      const seq = seqOf(text.slice(text.lastIndexOf(':') + 1), 'after')
      this.seen.set(this.executionId, seq)
      this.lastEventId = String(seq)
      return
    }
    const colon = text.lastIndexOf(':')
    if (colon <= 0) {
      throw new TypeError(`after must be '<execution_id>:<seq>' for the stream of all executions, not '${text}'`)
    }
    this.seen.set(text.slice(0, colon), seqOf(text.slice(colon + 1), 'after'))
    this.lastEventId = text
  }

  // ---- the request ------------------------------------------------------------------------

  get path() {
    return this.executionId === null ? '/events' : `/events/executions/${segment(this.executionId)}`
  }

  get query() {
    return this.follow && this.executionId !== null ? { follow: true } : {}
  }

  get headers() {
    return this.lastEventId === null ? {} : { 'Last-Event-ID': this.lastEventId }
  }

  /** The seq of this execution's last event seen (0 before the first). */
  get position() {
    return this.seen.get(this.executionId) ?? 0
  }

  // ---- what arrives -----------------------------------------------------------------------

  connected() {
    this._connectedAt = Date.now()
  }

  /** The event in an SSE message, or null for a repeat or for a message that is not an event
   * (a newer daemon may send kinds this client does not know). */
  accept(data, sseId = '') {
    let document
    try {
      document = JSON.parse(data)
    } catch {
      return null
    }
    return this.acceptDocument(document, sseId)
  }

  /** `accept` for an event already parsed (one item of a WebSocket batch frame). */
  acceptDocument(document, sseId = '') {
    if (document === null || typeof document !== 'object' || Array.isArray(document)) return null
    const { seq, type, execution_id: executionId } = document
    if (!Number.isSafeInteger(seq) || typeof type !== 'string' || typeof executionId !== 'string') return null
    if (seq <= (this.seen.get(executionId) ?? 0)) return null
    this.seen.set(executionId, seq)
    if (sseId) this.lastEventId = sseId
    else this.lastEventId = this.executionId !== null ? String(seq) : `${executionId}:${seq}`
    this.failures = 0 // the stream works: a later drop gets the whole budget again
    this.lastTerminal = TERMINAL_EVENTS.has(type)
    return document
  }

  /** Whether a cleanly closed stream can be the end of the iteration (one execution's stream
   * without `follow`), rather than a daemon going away. */
  get mayEnd() {
    return this.executionId !== null && !this.follow
  }

  /** After a clean close: whether the execution, as the daemon now describes it, has nothing
   * left for this stream (it ended, and every event of it was seen). */
  complete(execution) {
    if (!this.mayEnd) return false
    if (this.lastTerminal) return true
    const lastSeq = execution?.last_seq
    return !isActive(execution) && (typeof lastSeq !== 'number' || lastSeq <= this.position)
  }

  // ---- when it breaks ---------------------------------------------------------------------

  /** The stream ended without its end: the delay (ms) before the next attempt. Throws an
   * `unreachable` HarmoniaError once the attempts are used up. */
  dropped(reason) {
    if (this._connectedAt !== null && Date.now() - this._connectedAt >= this.reconnect.stableAfter) {
      this.failures = 0
    }
    this._connectedAt = null
    this.failures += 1
    if (this.failures > this.reconnect.attempts) {
      throw unreachable(this.url, `${reason}; gave up after ${this.reconnect.attempts} reconnection attempts`)
    }
    const delay = this.reconnect.initialDelay * 2 ** (this.failures - 1)
    return Math.min(this.reconnect.maxDelay, delay)
  }
}

function seqOf(text, name) {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new TypeError(`${name} must end with a seq (a whole number), not '${text}'`)
  }
  return Number(text)
}
