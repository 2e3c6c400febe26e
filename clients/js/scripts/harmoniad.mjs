/**
 * A real `harmoniad` subprocess for the tests and the types generator.
 *
 * `await new Harmoniad().start()` runs `harmoniad --port 0 --data-dir <temp>` and resolves once
 * it prints `harmoniad listening on URL` (no polling). `kill()` is kill -9; `restart()` starts a
 * new process on the same data folder and port. Which `harmoniad`: `$HARMONIAD`, else the
 * repository's `.venv/bin/harmoniad`, else the one on PATH. Every process still running when
 * this Node process exits is killed, so a failed test leaves none behind.
 */

import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const REPOSITORY = path.resolve(HERE, '..', '..', '..')
const LISTENING = /harmoniad listening on (http:\/\/\S+)/
const START_TIMEOUT = 30_000

const running = new Set()
function killAll() {
  for (const child of running) child.kill('SIGKILL')
}
process.on('exit', killAll)
// a test runner stopping this process (a timeout, Ctrl+C) must not leave daemons behind
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.once(signal, () => {
    killAll()
    process.kill(process.pid, signal)
  })
}

export function harmoniadCommand() {
  if (process.env.HARMONIAD) return process.env.HARMONIAD
  const local = path.join(REPOSITORY, '.venv', 'bin', 'harmoniad')
  return existsSync(local) ? local : 'harmoniad'
}

export class Harmoniad {
  /** @param {{dataDir?: string, args?: string[], env?: Record<string, string>}} [options] */
  constructor({ dataDir, args = [], env = {} } = {}) {
    this.ownsDataDir = !dataDir
    this.dataDir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'harmonia-js-'))
    this.args = args
    this.env = { ...process.env, ...env, PYTHONUNBUFFERED: '1' }
    for (const name of ['HARMONIA_TOKEN', 'HARMONIA_URL', 'HARMONIA_HOME']) {
      if (!(name in env)) delete this.env[name]
    }
    this.url = ''
    this.port = 0
    this.child = null
    this.output = []
  }

  /** Start on `port` (0: a free one) and resolve with this daemon once it listens. */
  start({ port = 0, timeout = START_TIMEOUT } = {}) {
    const command = harmoniadCommand()
    this.url = ''
    const child = spawn(command, ['--port', String(port), '--data-dir', this.dataDir, ...this.args], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    running.add(child)
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
    this.exited = exited
    exited.then(() => running.delete(child))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`harmoniad did not start within ${timeout / 1000} s:\n${this.log}`))
      }, timeout)
      let pending = ''
      child.stdout.setEncoding('utf8').on('data', (text) => {
        this.output.push(text)
        pending += text
        const found = LISTENING.exec(pending)
        if (found && !this.url) {
          clearTimeout(timer)
          this.url = found[1]
          this.port = Number(new URL(this.url).port)
          pending = ''
          resolve(this)
        }
      })
      child.stderr.setEncoding('utf8').on('data', (text) => this.output.push(text))
      child.once('error', (error) => {
        clearTimeout(timer)
        reject(new Error(`cannot run ${command}: ${error.message} (set HARMONIAD to the harmoniad command)`))
      })
      exited.then(({ code, signal }) => {
        clearTimeout(timer)
        reject(new Error(`harmoniad exited (${code ?? signal}) before listening:\n${this.log}`))
      })
    })
  }

  get log() {
    return this.output.join('')
  }

  get token() {
    return readFileSync(path.join(this.dataDir, 'token'), 'utf8').trim()
  }

  /** kill -9: the daemon finishes nothing. */
  async kill() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL')
      await this.exited
    }
  }

  /** SIGTERM, and the exit code once it stopped (kill -9 after `timeout` ms). */
  async stop({ timeout = 20_000 } = {}) {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM')
      const child = this.child
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout)
      const { code } = await this.exited
      clearTimeout(timer)
      return code
    }
    return this.child?.exitCode ?? null
  }

  /** A new process on the same data folder and port (after `kill()` or `stop()`). */
  async restart() {
    return this.start({ port: this.port })
  }

  /** Stop it and remove the temporary data folder it made. */
  async dispose() {
    await this.stop()
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true })
  }
}
