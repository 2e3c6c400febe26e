// Live events over SSE and WebSocket against a real harmoniad: history, `after`, `follow`,
// batch frames unpacked, the browser's way of passing the token, and repeats dropped.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { test } from 'node:test'

import WebSocket from 'ws'

import { HarmoniaClient as BrowserClient } from '../src/index.js'
import { HarmoniaClient, openNodeWebSocket } from '../src/node.js'
import { collect, echoWorkflow, fanWorkflow, history, range, seqs, until, useDaemon } from './support.js'

const state = useDaemon()

async function finished(workflow) {
  const execution = await state.client.createExecution({ workflow })
  return state.client.wait(execution.id)
}

test('SSE: the whole history', async () => {
  const final = await finished(echoWorkflow('history'))
  const all = await collect(state.client.events(final.id))
  assert.deepEqual(seqs(all), range(1, final.last_seq))
  assert.equal(all[0].type, 'workflow_started')
  assert.equal(all.at(-1).type, 'workflow_completed')
  assert.deepEqual(all, await history(state.client, final.id))
})

// What both transports promise, tested the same way on each.
const TRANSPORTS = {
  SSE: (id, options) => state.client.events(id, options),
  WebSocket: (id, options) => state.client.wsEvents(id, options),
}

for (const [name, open] of Object.entries(TRANSPORTS)) {
  test(`${name}: after a seq, and nothing after the last`, async () => {
    const final = await finished(echoWorkflow(`${name}-after`))
    assert.deepEqual(seqs(await collect(open(final.id, { after: 2 }))), range(3, final.last_seq))
    assert.deepEqual(await collect(open(final.id, { after: final.last_seq })), [])
  })

  test(`${name} with follow: the stream goes on after the end, a retry shows up on it`, async () => {
    const final = await finished(echoWorkflow(`${name}-followed`))
    const stream = open(final.id, { follow: true })
    const seen = await until(stream, (event) => event.type === 'workflow_completed')
    await state.client.retryTask(final.id, 'hello')
    const more = await until(stream, (event) => event.type === 'workflow_completed')
    await stream.return()
    assert.equal(more[0].type, 'workflow_resumed')
    assert.deepEqual(seqs([...seen, ...more]), range(1, seen.length + more.length))
  })
}

test('WebSocket: batch frames are unpacked into every event, once, in order', async () => {
  const frames = []
  const urls = []
  const client = new HarmoniaClient({
    url: state.daemon.url,
    token: state.daemon.token,
    openWebSocket(url, options) {
      urls.push(new URL(url))
      const socket = openNodeWebSocket(url, options)
      socket.addEventListener('message', (event) => frames.push(JSON.parse(event.data)))
      return socket
    },
  })
  const execution = await client.createExecution({ workflow: fanWorkflow(150) })
  const events = await collect(client.wsEvents(execution.id))
  const final = await client.getExecution(execution.id)
  assert.equal(final.status, 'completed')
  assert.deepEqual(seqs(events), range(1, final.last_seq))
  assert.deepEqual(events, await history(client, execution.id))
  assert.equal(urls[0].searchParams.get('batch'), 'true')
  assert.equal(urls[0].searchParams.get('token'), null) // Node sends it as a header
  assert.ok(frames.every((frame) => frame.type === 'batch'), 'batch frames were asked for')
  assert.ok(frames.length < events.length, `${frames.length} frames for ${events.length} events`)
  assert.deepEqual(
    frames.flatMap((frame) => frame.events.map((event) => event.seq)),
    seqs(events),
  )
})

test('the browser way: a standard WebSocket class, the token in the query', async () => {
  const urls = []
  class RecordingWebSocket extends WebSocket {
    constructor(url) {
      super(url)
      urls.push(new URL(url))
    }
  }
  const client = new BrowserClient({ url: state.daemon.url, token: state.daemon.token, WebSocket: RecordingWebSocket })
  const final = await finished(echoWorkflow('browser'))
  const events = await collect(client.wsEvents(final.id))
  assert.deepEqual(seqs(events), range(1, final.last_seq))
  assert.equal(urls[0].searchParams.get('token'), state.daemon.token)
  const refused = new BrowserClient({ url: state.daemon.url, token: 'wrong', WebSocket: RecordingWebSocket })
  await assert.rejects(refused.wsEvents(final.id).next(), { status: 401, code: 'unauthorized' })
  const none = new BrowserClient({ url: state.daemon.url, token: 't', WebSocket: undefined })
  if (globalThis.WebSocket === undefined) {
    await assert.rejects(none.wsEvents(final.id).next(), /no WebSocket implementation/)
  }
})

test('a WebSocket handshake refused with an HTTP answer is that answer', async () => {
  // as the daemon refuses a foreign Host header: 403 and the JSON error body, no upgrade
  const body = JSON.stringify({ status: 403, code: 'forbidden_host', message: 'host not allowed', details: null })
  const server = createServer()
  server.on('upgrade', (_request, socket) => {
    socket.end(
      'HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const client = new HarmoniaClient({ url: `http://127.0.0.1:${server.address().port}`, token: 't' })
    await assert.rejects(client.wsEvents('e1').next(), {
      name: 'HarmoniaError',
      status: 403,
      code: 'forbidden_host',
      message: 'host not allowed',
    })
  } finally {
    server.closeAllConnections()
    server.close()
  }
})

test('a server that replays too much: every seq still comes once', async () => {
  // a proxy or an older daemon that ignores Last-Event-ID and replays the whole history
  const requests = []
  const server = createServer((request, response) => {
    requests.push(request.headers['last-event-id'] ?? null)
    response.writeHead(200, { 'Content-Type': 'text/event-stream' })
    const upTo = requests.length === 1 ? 2 : 4
    for (let seq = 1; seq <= upTo; seq += 1) {
      const type = seq === 4 ? 'workflow_completed' : 'task_completed'
      const event = { seq, type, execution_id: 'e1', task_id: null, timestamp: 'now', data: {} }
      response.write(`id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify(event)}\n\n`)
    }
    response.end(': ping\n')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const client = new HarmoniaClient({
      url: `http://127.0.0.1:${server.address().port}`,
      token: 't',
      reconnect: { initialDelay: 1 },
      fetch: (url, init) => (new URL(url).pathname.startsWith('/api/') ? missing() : fetch(url, init)),
    })
    const events = await collect(client.events('e1'))
    assert.deepEqual(seqs(events), [1, 2, 3, 4])
    assert.deepEqual(requests, [null, '2'])
  } finally {
    server.closeAllConnections()
    server.close()
  }
})

/** The fake server has no REST API: asking whether the execution ended gets "not yet". */
function missing() {
  return Promise.resolve(
    new Response(JSON.stringify({ id: 'e1', status: 'running', last_seq: 4 }), {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
    }),
  )
}
