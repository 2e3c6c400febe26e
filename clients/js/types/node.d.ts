/**
 * Types of harmonia-client on Node (`harmonia-client` there, or `harmonia-client/node`): the
 * browser client's, plus finding the local daemon in its data folder.
 */

import { HarmoniaClient as BrowserClient, type ClientOptions } from './index.js'

export * from './index.js'

export interface NodeClientOptions extends ClientOptions {
  /** The daemon's data folder, where its URL (daemon.json) and token are found when neither an
   * option nor the environment gives them. Default: `$HARMONIA_HOME`, else the platform's user
   * data folder (`~/.local/share/harmonia` on Linux). */
  dataDir?: string
}

export declare class HarmoniaClient extends BrowserClient {
  constructor(options?: NodeClientOptions)
  /** The data folder the defaults were looked for in. */
  readonly dataDir: string
}

export declare const HOME_ENV: 'HARMONIA_HOME'
export declare const DAEMON_FILE: 'daemon.json'
export declare const TOKEN_FILE: 'token'

export declare function defaultDataDir(explicit?: string): string
/** `url`, `$HARMONIA_URL`, the data folder's daemon.json, then http://127.0.0.1:8007. */
export declare function resolveUrl(options?: { url?: string; dataDir?: string }): string
/** `token`, `$HARMONIA_TOKEN`, the data folder's token file; null when none is found. */
export declare function resolveToken(options?: { token?: string; dataDir?: string }): string | null
/** A `ws` WebSocket sending the token as a header (what the Node client uses). */
export declare function openNodeWebSocket(url: string, options: { token: string | null }): WebSocket
