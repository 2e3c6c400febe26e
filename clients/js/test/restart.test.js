// Streams that outlive the daemon: it is killed with -9 mid-execution, mid-stream, and a new one
// starts on the same data folder and port; the stream reconnects (SSE with Last-Event-ID, the
// WebSocket with ?after=) and delivers every seq exactly once.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { HarmoniaClient, openNodeWebSocket } from '../src/node.js'
import { Harmoniad, chainWorkflow, history, range, recordingFetch, seqs } from './support.js'

const PATIENT = { attempts: 60, initialDelay: 50, maxDelay: 500 }

for (const transport of ['sse', 'websocket']) {
  test(`${transport}: every seq once across kill -9 and a restart`, async () => {
    const daemon = await new Harmoniad().start()
    const requests = []
    const sockets = []
    try {
      const client = new HarmoniaClient({
        dataDir: daemon.dataDir, // URL and token found as the CLI finds them
        reconnect: PATIENT,
        fetch: recordingFetch(requests),
        openWebSocket(url, options) {
          sockets.push(new URL(url))
          return openNodeWebSocket(url, options)
        },
      })
      assert.equal(client.url, daemon.url)
      const execution = await client.createExecution({ workflow: chainWorkflow(5, 0.3, `crashy-${transport}`) })
      const received = []
      let killedAt = null
      const stream = transport === 'sse' ? client.events(execution.id) : client.wsEvents(execution.id)
      for await (const event of stream) {
        received.push(event)
        if (killedAt === null && event.type === 'task_completed') {
          killedAt = event.seq
          await daemon.kill() // mid-execution, mid-stream
          await daemon.restart() // same folder, same port
        }
      }
      assert.ok(killedAt !== null)
      const final = await client.getExecution(execution.id)
      assert.equal(final.status, 'completed')
      assert.deepEqual(seqs(received), range(1, final.last_seq)) // no gap, no repeat
      assert.deepEqual(received, await history(client, execution.id))
      assert.equal(received.at(-1).type, 'workflow_completed')
      // it did reconnect, from where it was
      if (transport === 'sse') {
        const streams = requests.filter((request) => request.url.pathname.startsWith('/events/'))
        assert.ok(streams.length >= 2, `${streams.length} stream requests`)
        assert.equal(streams[0].headers.get('last-event-id'), null)
        assert.ok(Number(streams.at(-1).headers.get('last-event-id')) >= killedAt)
      } else {
        assert.ok(sockets.length >= 2, `${sockets.length} sockets`)
        assert.equal(sockets[0].searchParams.get('after'), '0')
        assert.ok(Number(sockets.at(-1).searchParams.get('after')) >= killedAt)
      }
    } finally {
      await daemon.dispose()
    }
  })
}
