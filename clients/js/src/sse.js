/**
 * Events over Server-Sent Events, as an async generator that outlives dropped connections.
 *
 * `fetch` rather than the browser's EventSource: EventSource cannot send the bearer token, and
 * its own reconnection neither gives up nor lets us check that no seq is repeated or skipped.
 * The SSE framing is `eventsource-parser`'s; reconnection and the exactly-once bookkeeping are
 * the cursor's (cursor.js).
 */

import { EventSourceParserStream } from 'eventsource-parser/stream'

import { STREAM_IDLE_TIMEOUT } from './cursor.js'
import { errorFromAnswer, HarmoniaError, protocolError, transportReason } from './errors.js'
import { authorization, buildUrl, Deadline, sleep, throwIfAborted } from './http.js'

/** Answers to a stream request that mean "not now" (a proxy in front of a daemon that is
 * restarting): worth another attempt rather than an error. */
const RETRY_STATUSES = new Set([502, 503, 504])

/**
 * Yield the cursor's events, each once and in order, reconnecting with `Last-Event-ID` until
 * the stream is over (see `StreamCursor.complete`), the caller's signal aborts, or the
 * reconnection attempts run out. `isOver(cursor, signal)` asks the daemon after a clean close.
 */
export async function* sseEvents(config, cursor, { signal, isOver }) {
  for (;;) {
    throwIfAborted(signal)
    let reason = 'the stream closed before the execution ended'
    let cleanly = false
    // connecting is bounded by the call timeout, reading by the idle timeout (restarted per chunk)
    const deadline = new Deadline(signal, config.timeout)
    try {
      const response = await config.fetch(buildUrl(config.url, cursor.path, cursor.query), {
        method: 'GET',
        headers: { Accept: 'text/event-stream', ...authorization(config.token), ...cursor.headers },
        signal: deadline.signal,
        cache: 'no-store',
      })
      if (response.status !== 200) {
        const error = errorFromAnswer(response.status, await response.text(), response.statusText)
        if (!RETRY_STATUSES.has(response.status)) throw error
        reason = `HTTP ${response.status}: ${error.message}`
      } else {
        const type = response.headers.get('content-type') ?? ''
        if (!type.startsWith('text/event-stream')) {
          throw protocolError(`GET ${cursor.path}: not an event stream (${type || 'no content type'})`)
        }
        cursor.connected()
        deadline.ms = config.streamIdleTimeout ?? STREAM_IDLE_TIMEOUT
        deadline.restart()
        for await (const message of messages(response.body, deadline)) {
          const event = cursor.accept(message.data, message.id ?? '')
          if (event !== null) yield event
        }
        cleanly = true
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (error instanceof HarmoniaError) throw error // an answer (401, 404, ...), or not SSE
      reason = deadline.expired ? `nothing received for ${deadline.ms / 1000} s` : transportReason(error)
    } finally {
      deadline.abort() // the caller may have left mid-stream: close the connection
      deadline.dispose()
    }
    if (cleanly && (await isOver(cursor, signal))) return
    await sleep(cursor.dropped(reason), signal)
  }
}

/** The SSE messages of a response body; every chunk restarts the idle deadline. */
async function* messages(body, deadline) {
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(
      new TransformStream({
        transform(chunk, controller) {
          deadline.restart()
          controller.enqueue(chunk)
        },
      }),
    )
    .pipeThrough(new EventSourceParserStream())
    .getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}
