// The Node entry point finds the local daemon as the CLI does (option, environment, data folder);
// the browser entry point uses nothing Node-only; the package resolves to the right one.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import path from 'node:path'
import { after, afterEach, beforeEach, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { DEFAULT_URL, HarmoniaClient, defaultDataDir, resolveToken, resolveUrl } from '../src/node.js'
import { useDaemon } from './support.js'

const state = useDaemon()
const NAMES = ['HARMONIA_URL', 'HARMONIA_TOKEN', 'HARMONIA_HOME', 'XDG_DATA_HOME']
let saved
beforeEach(() => {
  saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]))
  for (const name of NAMES) delete process.env[name]
})
afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name]
    else process.env[name] = saved[name]
  }
})

const folders = []
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

function emptyFolder() {
  folders.push(mkdtempSync(path.join(tmpdir(), 'harmonia-js-empty-')))
  return folders.at(-1)
}

test('the daemon and its token are found in its data folder', async () => {
  const client = new HarmoniaClient({ dataDir: state.daemon.dataDir })
  assert.equal(client.url, state.daemon.url)
  assert.equal(client.token, state.daemon.token)
  assert.equal(client.dataDir, state.daemon.dataDir)
  assert.equal((await client.ready()).ready, true)
  process.env.HARMONIA_HOME = state.daemon.dataDir
  const fromHome = new HarmoniaClient()
  assert.equal(fromHome.url, state.daemon.url)
  assert.equal((await fromHome.listExecutions()).offset, 0)
})

test('the environment wins over the data folder, an option over both', () => {
  process.env.HARMONIA_URL = 'http://127.0.0.1:1111'
  process.env.HARMONIA_TOKEN = ' from-env \n'
  const fromEnv = new HarmoniaClient({ dataDir: state.daemon.dataDir })
  assert.deepEqual([fromEnv.url, fromEnv.token], ['http://127.0.0.1:1111', 'from-env'])
  const explicit = new HarmoniaClient({ dataDir: state.daemon.dataDir, url: 'http://127.0.0.1:2222/', token: 'mine' })
  assert.deepEqual([explicit.url, explicit.token], ['http://127.0.0.1:2222', 'mine'])
})

test('without a daemon file: the default URL; without a token file: no token', async () => {
  const folder = emptyFolder()
  const client = new HarmoniaClient({ dataDir: folder })
  assert.deepEqual([client.url, client.token], [DEFAULT_URL, null])
  writeFileSync(path.join(folder, 'daemon.json'), '{"url": "http://0.0.0.0:4321", "pid"') // half-written
  assert.equal(resolveUrl({ dataDir: folder }), DEFAULT_URL)
  writeFileSync(path.join(folder, 'daemon.json'), '{"url": "http://0.0.0.0:4321", "pid": 1}')
  assert.equal(resolveUrl({ dataDir: folder }), 'http://0.0.0.0:4321')
  assert.equal(new HarmoniaClient({ dataDir: folder }).url, 'http://127.0.0.1:4321') // reachable form
  writeFileSync(path.join(folder, 'token'), '\n')
  assert.equal(resolveToken({ dataDir: folder }), null)
  // a daemon whose token is not found answers 401, with the reason
  const lost = new HarmoniaClient({ url: state.daemon.url, dataDir: folder })
  await assert.rejects(lost.ready(), { status: 401, code: 'unauthorized' })
})

test('the default data folder is the daemon\'s', () => {
  process.env.XDG_DATA_HOME = '/srv/data'
  const expected = {
    linux: '/srv/data/harmonia',
    darwin: path.join(homedir(), 'Library', 'Application Support', 'harmonia'),
  }[process.platform]
  if (expected) assert.equal(defaultDataDir(), expected)
  delete process.env.XDG_DATA_HOME
  if (process.platform === 'linux') assert.equal(defaultDataDir(), path.join(homedir(), '.local/share/harmonia'))
  process.env.HARMONIA_HOME = '~/elsewhere'
  assert.equal(defaultDataDir(), path.join(homedir(), 'elsewhere'))
  assert.equal(defaultDataDir('/explicit'), '/explicit')
})

test('the browser entry point imports nothing that only Node has', () => {
  const source = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src')
  const seen = new Set()
  const visit = (file) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(file, 'utf8')
    for (const [, specifier] of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      assert.ok(!specifier.startsWith('node:') && specifier !== 'ws', `${path.basename(file)} imports ${specifier}`)
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier))
    }
    assert.doesNotMatch(text, /\bprocess\.(?!env\b)|\brequire\(|\bBuffer\b/, `${path.basename(file)} uses a Node global`)
  }
  visit(path.join(source, 'index.js'))
  assert.ok(seen.size >= 5, [...seen].join(', '))
  assert.ok(!seen.has(path.join(source, 'node.js')))
  assert.ok(readdirSync(source).every((name) => seen.has(path.join(source, name)) || name === 'node.js'))
})

test('the package resolves to the Node entry on Node, and offers the browser one by name', async () => {
  const onNode = await import('harmonia-client')
  assert.equal(typeof onNode.resolveToken, 'function')
  assert.equal(onNode.HarmoniaClient, HarmoniaClient)
  const browser = await import('harmonia-client/browser')
  assert.equal(browser.resolveToken, undefined)
  assert.equal(typeof browser.HarmoniaClient, 'function')
  assert.ok(new onNode.HarmoniaClient({ url: 'http://127.0.0.1:1' }) instanceof browser.HarmoniaClient)
  // the browser client reads the environment where there is one
  process.env.HARMONIA_URL = 'http://127.0.0.1:3333'
  process.env.HARMONIA_TOKEN = 'env-token'
  const fromEnv = new browser.HarmoniaClient()
  assert.deepEqual([fromEnv.url, fromEnv.token], ['http://127.0.0.1:3333', 'env-token'])
})

test('examples/watch.mjs submits a sample workflow and prints its events', async () => {
  const example = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'watch.mjs')
  const env = { ...process.env, HARMONIA_HOME: state.daemon.dataDir }
  const { stdout } = await promisify(execFile)(process.execPath, [example], { env })
  const lines = stdout.trim().split('\n')
  assert.match(lines[0], /^execution \S+ of diamond \(6 tasks\)$/)
  assert.match(lines[1], /^ +1 \S+Z workflow_started$/)
  assert.ok(lines.some((line) => / task_completed summary$/.test(line)), stdout)
  assert.match(lines.at(-2), / workflow_completed$/)
  assert.equal(lines.at(-1), 'completed')
  const broken = path.join(emptyFolder(), 'broken.yaml')
  writeFileSync(broken, 'name: broken\ntasks:\n  a: {component: core, action: nope}\n')
  const failed = await promisify(execFile)(process.execPath, [example, broken], { env }).catch((error) => error)
  assert.equal(failed.code, 2)
  assert.match(failed.stderr, new RegExp(`^error: ${broken}:3, task 'a', field 'action': unknown action 'nope'`))
})
