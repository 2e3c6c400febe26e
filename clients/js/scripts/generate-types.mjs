/**
 * Write types/openapi.d.ts from the daemon's OpenAPI document.
 *
 *   node scripts/generate-types.mjs              # starts a harmoniad (see scripts/harmoniad.mjs)
 *   node scripts/generate-types.mjs FILE.json    # from a saved document
 */

import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { Harmoniad } from './harmoniad.mjs'
import { renderTypes } from './openapi-types.mjs'

const TARGET = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'types', 'openapi.d.ts')

async function fromDaemon() {
  const daemon = await new Harmoniad().start()
  try {
    const response = await fetch(`${daemon.url}/openapi.json`, {
      headers: { Authorization: `Bearer ${daemon.token}` },
    })
    if (!response.ok) throw new Error(`GET /openapi.json: HTTP ${response.status}`)
    return await response.json()
  } finally {
    await daemon.dispose()
  }
}

const file = process.argv[2]
const document = file ? JSON.parse(readFileSync(file, 'utf8')) : await fromDaemon()
writeFileSync(TARGET, await renderTypes(document))
console.log(`wrote ${path.relative(process.cwd(), TARGET)} (OpenAPI ${document.info?.version ?? '?'})`)
