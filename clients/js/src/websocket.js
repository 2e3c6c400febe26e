/**
 * One execution's events over the WebSocket `/ws/executions/{id}`, with the guarantees of the
 * SSE reader: each event once, in order, across dropped connections.
 *
 * It asks for batch frames (`{"type": "batch", "events": [...]}`, every event ready at once in
 * one frame): far fewer frames for the daemon to send and for us to read when events come fast.
 * It speaks the standard WebSocket interface (the browser's, and the `ws` package's, which the
 * Node entry point supplies), so the token goes in the query where headers cannot be set.
 */

import { HarmoniaError, transportReason } from './errors.js'
import { Deadline, sleep, throwIfAborted } from './http.js'

const WS_NORMAL = 1000
/** Close codes that refuse the stream, as the HTTP answer the same request would get. */
const REFUSALS = {
  1008: [422, 'validation_error', 'the WebSocket request was refused'],
  4401: [401, 'unauthorized', 'a valid token is required'],
  4404: [404, 'not_found', 'no such execution'],
}
const CONNECTING = 0
const OPEN = 1

/** `ws://host:port/ws/executions/ID?after=SEQ&batch=true[&follow=true]` at the cursor's place. */
export function wsUrl(base, cursor) {
  const url = new URL(base + cursor.path.replace('/events/', '/ws/'))
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.searchParams.set('after', String(cursor.position))
  url.searchParams.set('batch', 'true')
  if (cursor.follow) url.searchParams.set('follow', 'true')
  return url.toString()
}

/**
 * Open sockets with a standard WebSocket class: the token rides in the query (the daemon takes
 * `?token=` because browsers cannot set headers on a WebSocket).
 */
export function standardOpener(WebSocketClass) {
  if (typeof WebSocketClass !== 'function') return null
  return (url, { token }) => {
    const withToken = new URL(url)
    if (token) withToken.searchParams.set('token', token)
    return new WebSocketClass(withToken.toString())
  }
}

/** The new events in a text frame: a batch frame or a single event (repeats dropped). */
export function frameEvents(cursor, data) {
  if (typeof data !== 'string') return []
  let document
  try {
    document = JSON.parse(data)
  } catch {
    return []
  }
  if (document?.type === 'batch') {
    if (!Array.isArray(document.events)) return []
    return document.events.map((item) => cursor.acceptDocument(item)).filter((event) => event !== null)
  }
  const event = cursor.acceptDocument(document)
  return event === null ? [] : [event]
}

/** Throws the refusal a close code stands for; true when the close is the stream's end. */
function closeEnds(code, reason) {
  if (code === WS_NORMAL) return true
  const refusal = REFUSALS[code]
  if (refusal) {
    const [status, errorCode, fallback] = refusal
    throw new HarmoniaError({ status, code: errorCode, message: reason || fallback })
  }
  return false
}

/** Opens, events, errors and closes of one socket, awaited one at a time. */
class Frames {
  constructor(socket) {
    this.items = []
    this.wake = null
    this.error = ''
    socket.addEventListener('open', () => this.push({ kind: 'open' }))
    socket.addEventListener('message', (event) => this.push({ kind: 'message', data: event.data }))
    socket.addEventListener('error', (event) => {
      this.error = String(event?.error?.message ?? event?.message ?? 'error')
    })
    socket.addEventListener('close', (event) => this.push({ kind: 'close', code: event.code, reason: event.reason }))
  }

  push(item) {
    this.items.push(item)
    this.wake?.()
  }

  async next(signal) {
    while (this.items.length === 0) {
      throwIfAborted(signal)
      await new Promise((resolve, reject) => {
        const onAbort = () => reject(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
        this.wake = () => {
          signal.removeEventListener('abort', onAbort)
          this.wake = null
          resolve()
        }
      })
    }
    return this.items.shift()
  }
}

export async function* wsEvents(config, cursor, { signal }) {
  if (config.openWebSocket === null) {
    throw new TypeError(
      'no WebSocket implementation here: on Node import from harmonia-client/node, or pass ' +
        '{WebSocket} to the HarmoniaClient; events() (SSE) needs none',
    )
  }
  for (;;) {
    throwIfAborted(signal)
    let reason = 'the WebSocket closed before the execution ended'
    const deadline = new Deadline(signal, config.timeout) // for the opening handshake
    let socket = null
    try {
      socket = config.openWebSocket(wsUrl(config.url, cursor), { token: config.token })
      const frames = new Frames(socket)
      for (;;) {
        const item = await frames.next(deadline.signal)
        if (item.kind === 'open') {
          deadline.clear()
          cursor.connected()
        } else if (item.kind === 'message') {
          for (const event of frameEvents(cursor, item.data)) yield event
        } else {
          if (socket.harmoniaRefusal) throw socket.harmoniaRefusal // HTTP answer to the handshake
          if (closeEnds(item.code, item.reason)) return
          reason = `the WebSocket closed (${item.code}${frames.error ? `: ${frames.error}` : ''})`
          break
        }
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (error instanceof HarmoniaError) throw error
      reason = deadline.expired ? `no WebSocket connection within ${deadline.ms / 1000} s` : transportReason(error)
    } finally {
      deadline.dispose()
      if (socket !== null && (socket.readyState === CONNECTING || socket.readyState === OPEN)) socket.close()
    }
    await sleep(cursor.dropped(reason), signal)
  }
}
