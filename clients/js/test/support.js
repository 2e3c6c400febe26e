/**
 * What the tests share: a real daemon per test file, sample workflows, and small helpers that
 * wait on conditions (never on the clock).
 */

import { after, before } from 'node:test'

import { Harmoniad } from '../scripts/harmoniad.mjs'
import { HarmoniaClient } from '../src/node.js'

export { Harmoniad }

/**
 * The plain daemon that the runner shares between test files, if it names one: Python's suite
 * (tests/client/test_js.py) starts one and sets $HARMONIA_JS_DAEMON_URL and
 * $HARMONIA_JS_DAEMON_DIR, so its files pay for one start, not one each. The files that use it
 * look only at what they made themselves; a file that stops or kills its daemon starts its own.
 */
function sharedDaemon() {
  const url = process.env.HARMONIA_JS_DAEMON_URL
  const dataDir = process.env.HARMONIA_JS_DAEMON_DIR
  if (!url || !dataDir) return null
  const daemon = new Harmoniad({ dataDir }) // not started here, so dispose() leaves it running
  daemon.url = url
  daemon.port = Number(new URL(url).port)
  return daemon
}

/** One plain daemon for the test file: the shared one, else one started for the file (stopped,
 * and its data folder removed, at the end). */
export function useDaemon(options) {
  const state = { daemon: null, client: null }
  before(async () => {
    state.daemon = (options === undefined && sharedDaemon()) || (await new Harmoniad(options).start())
    state.client = new HarmoniaClient({ url: state.daemon.url, token: state.daemon.token })
  })
  after(async () => {
    await state.daemon?.dispose()
  })
  return state
}

export const ECHO_YAML = `\
name: greet
version: "1.0.0"
description: say hello, then goodbye
input:
  who: {type: string, default: world}
tasks:
  hello:
    component: core
    action: echo
    input: {msg: "hi \${input.who}"}
  bye:
    component: core
    action: echo
    depends_on: [hello]
    input: {prev: "\${tasks.hello.output.msg}"}
`

export function echoWorkflow(name = 'echo-pair') {
  return {
    name,
    input: { who: { type: 'string', default: 'world' } },
    tasks: {
      hello: { component: 'core', action: 'echo', input: { msg: 'hi ${input.who}' } },
      bye: { component: 'core', action: 'echo', depends_on: ['hello'], input: { prev: '${tasks.hello.output.msg}' } },
    },
  }
}

export function sleepWorkflow(seconds, name = 'sleeper') {
  return { name, tasks: { nap: { component: 'core', action: 'sleep', input: { seconds } } } }
}

/** `n` sleeps one after the other. */
export function chainWorkflow(n, seconds, name = 'chain') {
  const tasks = {}
  for (let i = 0; i < n; i += 1) {
    tasks[`s${i}`] = {
      component: 'core',
      action: 'sleep',
      depends_on: i ? [`s${i - 1}`] : [],
      input: { seconds },
    }
  }
  return { name, max_concurrency: 1, tasks }
}

/** `n` independent echo tasks: their events come in bursts (many per journal commit). */
export function fanWorkflow(n, name = 'fan') {
  const tasks = {}
  for (let i = 0; i < n; i += 1) tasks[`t${i}`] = { component: 'core', action: 'echo', input: { i } }
  return { name, max_concurrency: n, tasks }
}

export async function collect(iterable) {
  const items = []
  for await (const item of iterable) items.push(item)
  return items
}

/** Read `iterable` until `predicate(item)` holds (that item included); the iterator stays open. */
export async function until(iterator, predicate) {
  const seen = []
  for (;;) {
    const { done, value } = await iterator.next()
    if (done) return seen
    seen.push(value)
    if (predicate(value)) return seen
  }
}

export function seqs(events) {
  return events.map((event) => event.seq)
}

export function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

/** Every recorded event of an execution, paged as a client would. */
export async function history(client, executionId) {
  const events = []
  let position = 0
  for (;;) {
    const page = await client.listEvents(executionId, { after: position })
    if (page.items.length === 0) return events
    events.push(...page.items)
    position = page.next_after
  }
}

/** A `fetch` that records each request (method, URL, headers) before sending it. */
export function recordingFetch(into) {
  return (url, init = {}) => {
    into.push({ method: init.method ?? 'GET', url: new URL(url), headers: new Headers(init.headers) })
    return fetch(url, init)
  }
}
