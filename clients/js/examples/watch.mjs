#!/usr/bin/env node
// Submit a workflow to the local daemon and print its events as they happen.
//
//   node examples/watch.mjs [WORKFLOW.yaml] [key=value ...]
//
// The daemon and its token are found as the CLI finds them ($HARMONIA_URL / $HARMONIA_TOKEN,
// else the data folder's daemon.json and token file); start one with `harmoniad`.
// Ctrl+C stops watching (the execution goes on; `harmonia watch ID` picks it up again).
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

import { HarmoniaClient, HarmoniaError } from 'harmonia-client'

const file = process.argv[2] ?? fileURLToPath(new URL('../../../sample_workflows/diamond.yaml', import.meta.url))
/** @type {Record<string, unknown>} */
const input = {}
for (const pair of process.argv.slice(3)) {
  const [key, ...rest] = pair.split('=')
  const text = rest.join('=')
  try {
    input[key] = JSON.parse(text) // `base=3` is a number, as with `harmonia run --input`
  } catch {
    input[key] = text
  }
}

const stop = new AbortController()
process.once('SIGINT', () => stop.abort())

const client = new HarmoniaClient()
try {
  const workflow = await client.createWorkflow(await readFile(file, 'utf8'))
  const execution = await client.createExecution({ workflow_id: workflow.id, input })
  console.log(`execution ${execution.id} of ${workflow.name} (${Object.keys(execution.tasks).length} tasks)`)
  for await (const event of client.events(execution.id, { signal: stop.signal })) {
    const task = event.task_id ? ` ${event.task_id}` : ''
    console.log(`${String(event.seq).padStart(4)} ${event.timestamp} ${event.type}${task}`)
  }
  const final = await client.getExecution(execution.id)
  console.log(`${final.status}${final.error ? `: ${final.error}` : ''}`)
  process.exitCode = final.status === 'completed' ? 0 : 1
} catch (error) {
  if (stop.signal.aborted) {
    console.log('stopped watching')
  } else if (error instanceof HarmoniaError) {
    // an invalid workflow lists every problem; the daemon saw only the text, we know its file
    const lines = error.problems.length > 0 ? error.problems : [error.message]
    for (const line of lines) console.error(`error: ${line.replace('<request body>', String(file))}`)
    process.exitCode = 2
  } else {
    throw error
  }
}
