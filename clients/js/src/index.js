/**
 * harmonia-client: the JavaScript client of the Harmonia daemon, for browsers and Node alike.
 *
 * This entry point uses only what browsers have (fetch, streams, WebSocket). On Node,
 * `harmonia-client` resolves to `./node.js` instead, which adds finding the local daemon's URL
 * and token in its data folder and a WebSocket (the `ws` package) where Node has none.
 */

export { DEFAULT_URL, DEFAULT_TIMEOUT, HarmoniaClient, OPERATIONS, connectableUrl } from './client.js'
export { DEFAULT_RECONNECT, STREAM_IDLE_TIMEOUT } from './cursor.js'
export { CLIENT_CODES, HarmoniaError, formatProblem } from './errors.js'
