/**
 * harmonia-client on Node: the browser client plus what only Node can do.
 *
 * - Finding the daemon as the CLI and the Python client do: an explicit option, then
 *   `HARMONIA_URL` / `HARMONIA_TOKEN`, then what the running daemon left in its data folder
 *   (`daemon.json` with its URL, the `token` file), then http://127.0.0.1:8007.
 * - WebSockets with the `ws` package (Node 20 has no global WebSocket), sending the token as a
 *   header rather than in the URL, and reading the HTTP answer of a refused handshake.
 */

import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'

import WebSocket from 'ws'

import { DEFAULT_URL, HarmoniaClient as BrowserClient } from './client.js'
import { errorFromAnswer } from './errors.js'

export * from './index.js'

export const HOME_ENV = 'HARMONIA_HOME'
export const DAEMON_FILE = 'daemon.json'
export const TOKEN_FILE = 'token'

function fromEnv(name) {
  const value = process.env[name]
  return value && value.trim() ? value.trim() : undefined
}

/**
 * The data folder: `explicit`, else `$HARMONIA_HOME`, else the platform's user data folder,
 * the one the daemon uses (`~/.local/share/harmonia` on Linux).
 */
export function defaultDataDir(explicit) {
  if (explicit) return path.resolve(String(explicit).replace(/^~(?=$|[/\\])/, homedir()))
  const home = fromEnv(HOME_ENV)
  if (home) return path.resolve(home.replace(/^~(?=$|[/\\])/, homedir()))
  if (process.platform === 'win32') {
    return path.join(process.env.LOCALAPPDATA || path.join(homedir(), 'AppData', 'Local'), 'harmonia')
  }
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'harmonia')
  const xdg = fromEnv('XDG_DATA_HOME')
  return path.join(xdg || path.join(homedir(), '.local', 'share'), 'harmonia')
}

/** The daemon's URL: `url`, `$HARMONIA_URL`, the data folder's daemon.json, the default. */
export function resolveUrl({ url, dataDir } = {}) {
  if (url && String(url).trim()) return String(url).trim()
  const fromEnvironment = fromEnv('HARMONIA_URL')
  if (fromEnvironment) return fromEnvironment
  try {
    const recorded = JSON.parse(readFileSync(path.join(defaultDataDir(dataDir), DAEMON_FILE), 'utf8'))
    if (typeof recorded?.url === 'string' && recorded.url.trim()) return recorded.url.trim()
  } catch {
    // absent, half-written or foreign: no URL there
  }
  return DEFAULT_URL
}

/** The bearer token: `token`, `$HARMONIA_TOKEN`, the data folder's token file; else null
 * (the daemon's 401 then says what is missing). */
export function resolveToken({ token, dataDir } = {}) {
  if (token && String(token).trim()) return String(token).trim()
  const fromEnvironment = fromEnv('HARMONIA_TOKEN')
  if (fromEnvironment) return fromEnvironment
  try {
    return readFileSync(path.join(defaultDataDir(dataDir), TOKEN_FILE), 'utf8').trim() || null
  } catch {
    return null
  }
}

/**
 * Open a WebSocket with `ws`: the token as an `Authorization` header (never in a URL that
 * could be logged), and a refused handshake read as the daemon's JSON error answer.
 */
export function openNodeWebSocket(url, { token }) {
  const socket = new WebSocket(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
  socket.on('unexpected-response', (_request, response) => {
    const chunks = []
    response.on('data', (chunk) => chunks.push(chunk))
    response.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      socket.harmoniaRefusal = errorFromAnswer(response.statusCode, text, response.statusMessage)
      socket.terminate()
    })
    response.on('error', () => socket.terminate())
  })
  return socket
}

export class HarmoniaClient extends BrowserClient {
  /**
   * Options as for the browser client, plus `dataDir`: the daemon's data folder, where its
   * URL and token are found when neither an option nor the environment gives them.
   */
  constructor(options = {}) {
    const { dataDir, ...rest } = options
    const custom = rest.openWebSocket ?? (rest.WebSocket ? undefined : openNodeWebSocket)
    super({
      ...rest,
      url: resolveUrl({ url: rest.url, dataDir }),
      token: resolveToken({ token: rest.token, dataDir }) ?? undefined,
      openWebSocket: custom,
    })
    this.dataDir = defaultDataDir(dataDir)
  }
}
