// Error answers (401, 404, 409, 413, 422 with details), answers that are not the daemon's, and
// calls cut short: timeouts, AbortSignal, nobody listening.
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { createServer as createHttpServer } from 'node:http'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'

import { HarmoniaClient as BrowserClient } from '../src/index.js'
import { HarmoniaClient, HarmoniaError } from '../src/node.js'
import { ECHO_YAML, chainWorkflow, sleepWorkflow, until, useDaemon } from './support.js'

const state = useDaemon()

/** A TCP server that accepts connections and never answers: calls to it can only time out. */
let silent
const silentSockets = new Set()
before(async () => {
  silent = createServer((socket) => {
    silentSockets.add(socket)
    socket.on('close', () => silentSockets.delete(socket))
  })
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve))
})
after(() => {
  for (const socket of silentSockets) socket.destroy()
  silent.close()
})
const silentUrl = () => `http://127.0.0.1:${silent.address().port}`

/** An HTTP server that answers every request with `status`, `type` and `body`. */
async function answering(status, type, body, run) {
  const server = createHttpServer((_request, response) => {
    response.writeHead(status, { 'Content-Type': type })
    response.end(body)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await run(`http://127.0.0.1:${server.address().port}`)
  } finally {
    server.closeAllConnections()
    server.close()
  }
}

test('401: a wrong token, or none, is unauthorized everywhere but /health', async () => {
  const wrong = new HarmoniaClient({ url: state.daemon.url, token: 'not-the-token' })
  assert.equal((await wrong.health()).status, 'ok')
  for (const call of [() => wrong.ready(), () => wrong.listExecutions(), () => wrong.createWorkflow(ECHO_YAML)]) {
    const error = await call().catch((caught) => caught)
    assert.ok(error instanceof HarmoniaError, String(error))
    assert.deepEqual([error.status, error.code], [401, 'unauthorized'])
    assert.match(error.message, /token/)
  }
  await assert.rejects(wrong.events('anything').next(), { status: 401, code: 'unauthorized' })
  await assert.rejects(wrong.wsEvents('anything').next(), { status: 401, code: 'unauthorized' })
  const none = new BrowserClient({ url: state.daemon.url })
  assert.equal(none.token, null)
  await assert.rejects(none.discovery(), { status: 401, code: 'unauthorized' })
})

test('404: unknown ids, for calls and streams alike', async () => {
  const { client } = state
  for (const call of [
    () => client.getExecution('no-such-execution'),
    () => client.cancelExecution('no-such-execution'),
    () => client.listEvents('no-such-execution'),
    () => client.restoreCheckpoint('no-such-checkpoint'),
    () => client.createExecution({ workflow_id: 'no-such-workflow' }),
    () => client.instantiateTemplate('no-such-template'),
    () => client.events('no-such-execution').next(),
    () => client.wsEvents('no-such-execution').next(),
  ]) {
    await assert.rejects(call(), (error) => {
      assert.ok(error instanceof HarmoniaError, String(error))
      assert.deepEqual([error.status, error.code], [404, 'not_found'])
      assert.ok(error.message.length > 0)
      return true
    })
  }
  // an id that is not one path segment stays one (and so names nothing)
  await assert.rejects(state.client.getWorkflow('../executions'), { status: 404 })
})

test('409: an operator action that does not apply', async () => {
  const execution = await state.client.createExecution({ workflow: chainWorkflow(1, 0.01, 'short') })
  await state.client.wait(execution.id)
  const error = await state.client.pauseExecution(execution.id).catch((caught) => caught)
  assert.deepEqual([error.status, error.code, error.details], [409, 'conflict', null])
})

test('413: a body over the daemon limit', async () => {
  const huge = `${ECHO_YAML}# ${'x'.repeat(1100 * 1024)}\n`
  await assert.rejects(state.client.createWorkflow(huge), { status: 413, code: 'payload_too_large' })
})

test('422: an invalid workflow lists every problem in details', async () => {
  const broken = 'name: broken\ntasks:\n  a:\n    component: core\n    action: echo\n    depends_on: [missing]\n'
  const error = await state.client.createWorkflow(broken).catch((caught) => caught)
  assert.ok(error instanceof HarmoniaError)
  assert.deepEqual([error.status, error.code], [422, 'validation_error'])
  assert.ok(Array.isArray(error.details) && error.details.length >= 1)
  const problem = error.details.find((item) => /missing/.test(item.message))
  assert.ok(problem, JSON.stringify(error.details))
  assert.equal(problem.task, 'a')
  assert.equal(problem.line, 6)
  assert.ok(error.problems.some((line) => line.includes(":6, task 'a'") && line.includes('missing')), error.problems)
  assert.deepEqual(JSON.parse(JSON.stringify(error)), {
    status: 422,
    code: 'validation_error',
    message: error.message,
    details: error.details,
  })
})

test('422: a bad query parameter is named in details[].loc', async () => {
  const error = await state.client.listExecutions({ limit: 0 }).catch((caught) => caught)
  assert.deepEqual([error.status, error.code], [422, 'validation_error'])
  assert.ok(error.details.some((item) => item.loc.includes('limit')), JSON.stringify(error.details))
  assert.ok(error.problems.some((line) => line.includes('limit')))
  const input = await state.client
    .createExecution({ workflow_id: (await state.client.createWorkflow(ECHO_YAML)).id, input: { who: 5 } })
    .catch((caught) => caught)
  assert.deepEqual([input.status, input.code], [422, 'validation_error'])
  // as `harmonia run` says it, not located in a file called `<workflow>`
  assert.deepEqual(input.problems, [`input 'who': expected string, got integer 5`])
  assert.equal(input.message, input.problems[0])
})

test('an answer that is not the daemon\'s JSON still becomes a HarmoniaError', async () => {
  await answering(502, 'text/html', '<html><body>Bad gateway</body></html>', async (url) => {
    const error = await new HarmoniaClient({ url, token: 't' }).ready().catch((caught) => caught)
    assert.ok(error instanceof HarmoniaError)
    assert.equal(error.status, 502)
    assert.equal(error.code, 'internal_error')
    assert.match(error.message, /HTTP 502.*Bad gateway/)
  })
  await answering(200, 'text/plain', 'hello', async (url) => {
    const error = await new HarmoniaClient({ url, token: 't' }).ready().catch((caught) => caught)
    assert.deepEqual([error.status, error.code], [0, 'protocol_error'])
  })
  await answering(200, 'text/plain', 'not events', async (url) => {
    const error = await new HarmoniaClient({ url, token: 't' }).events('x').next().catch((caught) => caught)
    assert.deepEqual([error.status, error.code], [0, 'protocol_error'])
  })
})

test('a call that gets no answer in time fails with a timeout error', async () => {
  const client = new HarmoniaClient({ url: silentUrl(), token: 't', timeout: 200 })
  const started = Date.now()
  const error = await client.health().catch((caught) => caught)
  assert.ok(error instanceof HarmoniaError, String(error))
  assert.deepEqual([error.status, error.code], [0, 'timeout'])
  assert.match(error.message, /GET \/health: no answer within 0.2 s/)
  assert.ok(Date.now() - started < 10_000)
  // per call, overriding the client's
  const patient = new HarmoniaClient({ url: silentUrl(), token: 't' })
  await assert.rejects(patient.listExecutions({ timeout: 100 }), { code: 'timeout' })
})

test('a stream that goes quiet longer than the idle timeout is reopened, then given up', async () => {
  // headers, then silence: a proxy that lost the daemon without closing the connection
  const requests = []
  const server = createHttpServer((request, response) => {
    requests.push(request.headers['last-event-id'] ?? null)
    response.writeHead(200, { 'Content-Type': 'text/event-stream' })
    response.flushHeaders()
    if (requests.length === 1) {
      const event = { seq: 1, type: 'workflow_started', execution_id: 'e1', task_id: null, timestamp: 'now', data: {} }
      response.write(`id: 1\nevent: workflow_started\ndata: ${JSON.stringify(event)}\n\n`)
    }
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const client = new HarmoniaClient({
      url: `http://127.0.0.1:${server.address().port}`,
      token: 't',
      streamIdleTimeout: 150,
      reconnect: { attempts: 2, initialDelay: 10 },
    })
    const seen = []
    const error = await (async () => {
      for await (const event of client.events('e1')) seen.push(event.seq)
    })().catch((caught) => caught)
    assert.deepEqual(seen, [1])
    assert.deepEqual([error.status, error.code], [0, 'unreachable'])
    assert.match(error.message, /nothing received for 0.15 s; gave up after 2 reconnection attempts/)
    assert.deepEqual(requests, [null, '1', '1'])
  } finally {
    server.closeAllConnections()
    server.close()
  }
})

test('an AbortSignal cancels a call: before it starts, and while it waits', async () => {
  const client = new HarmoniaClient({ url: silentUrl(), token: 't' })
  await assert.rejects(client.health({ signal: AbortSignal.abort() }), { name: 'AbortError' })
  const controller = new AbortController()
  const pending = client.getExecution('x', { signal: controller.signal })
  setImmediate(() => controller.abort(new Error('changed my mind')))
  await assert.rejects(pending, { message: 'changed my mind' })
  // a long-lived signal shared by many calls keeps no listener per finished call
  const shared = new AbortController()
  for (let i = 0; i < 20; i += 1) await state.client.health({ signal: shared.signal })
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0)
})

test('an AbortSignal stops a live stream (SSE and WebSocket) at once', async () => {
  const execution = await state.client.createExecution({ workflow: sleepWorkflow(30, 'long') })
  for (const open of ['events', 'wsEvents']) {
    const controller = new AbortController()
    const stream = state.client[open](execution.id, { signal: controller.signal })
    await until(stream, (event) => event.type === 'task_started')
    const waiting = stream.next() // nothing more comes for 30 s
    controller.abort()
    await assert.rejects(waiting, { name: 'AbortError' })
    assert.deepEqual(await stream.next(), { done: true, value: undefined })
  }
  const waited = await state.client.wait(execution.id, { timeout: 300 }).catch((caught) => caught)
  assert.deepEqual([waited.status, waited.code], [0, 'timeout'])
  await state.client.cancelExecution(execution.id)
})

test('nobody listening: unreachable, naming the URL', async () => {
  const free = createServer()
  await new Promise((resolve) => free.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${free.address().port}`
  await new Promise((resolve) => free.close(resolve))
  const client = new HarmoniaClient({ url, token: 't', reconnect: { attempts: 2, initialDelay: 10 } })
  const error = await client.health().catch((caught) => caught)
  assert.deepEqual([error.status, error.code], [0, 'unreachable'])
  assert.match(error.message, new RegExp(`${url}.*refused`))
  const stream = await client.events('x').next().catch((caught) => caught)
  assert.equal(stream.code, 'unreachable')
  assert.match(stream.message, /gave up after 2 reconnection attempts/)
})

test('bad arguments are the caller\'s errors, thrown before any request', async () => {
  await assert.rejects(state.client.getExecution(undefined), TypeError)
  await assert.rejects(state.client.retryTask('x', ''), TypeError)
  await assert.rejects(state.client.completeTask('x', 't'), TypeError) // no { output }
  await assert.rejects(state.client.completeTask('x', 't', { by: 'me' }), TypeError)
  await assert.rejects(state.client.createWorkflow(42), TypeError)
  await assert.rejects(state.client.createWorkflow('a: 1', { format: 'toml' }), TypeError)
  assert.throws(() => state.client.events(''), TypeError)
  assert.throws(() => state.client.allEvents({ after: '12' }), TypeError)
  assert.throws(() => state.client.events('x', { after: 'soon' }), TypeError)
  assert.throws(() => new HarmoniaClient({ url: 'ftp://example' }), TypeError)
})
