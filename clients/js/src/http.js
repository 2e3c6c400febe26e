/**
 * One REST call: the request, its deadline and the caller's AbortSignal, and the answer read as
 * the API promises it (JSON, or an error shape turned into a HarmoniaError).
 *
 * The deadline covers the whole call, headers and body, so a daemon that stops mid-answer
 * cannot hang the caller. The caller's own abort is not an error of ours: the call rejects with
 * the signal's reason, as `fetch` does.
 */

import { errorFromAnswer, protocolError, timedOut, transportReason, unreachable } from './errors.js'

/**
 * An AbortSignal that fires when the caller's signal does or when `ms` have passed, and which
 * can tell afterwards which of the two it was. `dispose()` drops the timer and the listener
 * (a long-lived caller signal must not collect one listener per call).
 */
export class Deadline {
  constructor(signal, ms) {
    this.outer = signal ?? null
    this.ms = ms
    this.expired = false
    this.controller = new AbortController()
    this.signal = this.controller.signal
    this._onAbort = () => this.controller.abort(this.outer.reason)
    if (this.outer) {
      if (this.outer.aborted) this.controller.abort(this.outer.reason)
      else this.outer.addEventListener('abort', this._onAbort, { once: true })
    }
    this._timer = null
    if (ms != null && Number.isFinite(ms) && ms > 0) this.restart()
  }

  /** Start the `ms` over (a stream's idle timer starts over at every byte). */
  restart() {
    if (this.ms == null || !Number.isFinite(this.ms) || this.ms <= 0) return
    clearTimeout(this._timer)
    this._timer = setTimeout(() => {
      this.expired = true
      this.controller.abort(new DOMException('timed out', 'TimeoutError'))
    }, this.ms)
  }

  /** Stop the timer only (the call got what the deadline was for). */
  clear() {
    clearTimeout(this._timer)
    this._timer = null
  }

  /** Abort now, for a reason of our own (the caller left a stream early). */
  abort() {
    this.controller.abort(new DOMException('closed by the client', 'AbortError'))
  }

  dispose() {
    this.clear()
    this.outer?.removeEventListener('abort', this._onAbort)
  }

  /**
   * What a failure of fetch or of reading its body means: the caller's abort (its reason),
   * our deadline (a `timeout` HarmoniaError), or no answer (`unreachable`).
   */
  failure(error, what, baseUrl) {
    if (this.outer?.aborted) return this.outer.reason
    if (this.expired) return timedOut(what, this.ms)
    return unreachable(baseUrl, transportReason(error), error)
  }
}

export function throwIfAborted(signal) {
  if (signal?.aborted) throw signal.reason
}

/** `base + path` with the query parameters that have a value (booleans as true/false). */
export function buildUrl(base, path, query) {
  const url = new URL(base + path)
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue
    url.searchParams.set(name, String(value))
  }
  return url.toString()
}

/**
 * Send one call and read its answer: parsed JSON, `undefined` for 204, a HarmoniaError for an
 * error status, a `protocol_error` for a success that is not JSON.
 */
export async function send(config, { method, path, query, body, contentType, extraHeaders, signal, timeout }) {
  throwIfAborted(signal)
  const url = buildUrl(config.url, path, query)
  const headers = { Accept: 'application/json', ...authorization(config.token), ...extraHeaders }
  if (contentType) headers['Content-Type'] = contentType
  const deadline = new Deadline(signal, timeout === undefined ? config.timeout : timeout)
  const what = `${method} ${path}`
  let response
  let text
  try {
    response = await config.fetch(url, { method, headers, body, signal: deadline.signal })
    text = await response.text()
  } catch (error) {
    throw deadline.failure(error, what, config.url)
  } finally {
    deadline.dispose()
  }
  if (response.status >= 400) throw errorFromAnswer(response.status, text, response.statusText)
  if (response.status === 204 || text === '') return undefined
  try {
    return JSON.parse(text)
  } catch (error) {
    const type = response.headers.get('content-type') ?? 'no content type'
    throw protocolError(`${what}: the answer is not JSON (HTTP ${response.status}, ${type})`, error)
  }
}

export function authorization(token) {
  return token ? { Authorization: `Bearer ${token}` } : {}
}

/** Wait `ms`, or reject with the signal's reason as soon as it aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
