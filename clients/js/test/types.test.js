// The client and its TypeScript declarations agree with the OpenAPI document a live daemon
// serves: every operation has a method; types/openapi.d.ts is what the generator makes of the
// document today; and the TypeScript compiler confirms, operation by operation, that each
// method takes the operation's path parameters, body and query and answers its response type.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { renderTypes } from '../scripts/openapi-types.mjs'
import { HarmoniaClient, OPERATIONS } from '../src/node.js'
import { useDaemon } from './support.js'

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const TSC = path.join(PACKAGE, 'node_modules', 'typescript', 'bin', 'tsc')
const state = useDaemon()

async function openapi() {
  return state.client.openapi()
}

function* operationsOf(document) {
  for (const [template, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) yield { template, method, operation }
  }
}

test('every operation of the OpenAPI document has a client method, and no method is stale', async () => {
  const document = await openapi()
  const ids = [...operationsOf(document)].map(({ operation }) => operation.operationId)
  const client = new HarmoniaClient({ url: state.daemon.url })
  const missing = ids.filter((id) => typeof client[OPERATIONS[id]] !== 'function')
  assert.deepEqual(missing, [], `operations without a method (add them to src/client.js): ${missing.join(', ')}`)
  const stale = Object.keys(OPERATIONS).filter((id) => !ids.includes(id))
  assert.deepEqual(stale, [], `OPERATIONS names operations the daemon no longer has: ${stale.join(', ')}`)
})

test('types/openapi.d.ts is generated from the OpenAPI document the daemon serves', async () => {
  const expected = await renderTypes(await openapi())
  const committed = readFileSync(path.join(PACKAGE, 'types', 'openapi.d.ts'), 'utf8')
  if (committed === expected) return
  const [now, then] = [expected.split('\n'), committed.split('\n')]
  const line = now.findIndex((text, i) => text !== then[i])
  assert.fail(
    'types/openapi.d.ts is stale: run `npm ci && npm run types` in clients/js (it starts a harmoniad ' +
      `and regenerates it). First difference, line ${line + 1}:\n- ${then[line]}\n+ ${now[line]}`,
  )
})

/** TypeScript assertions, one group per operation, that the declarations match the document. */
function typeChecks(document) {
  const lines = [
    "import type * as Api from 'harmonia-client/browser'",
    "import type { CallOptions, HarmoniaClient, operations, components } from 'harmonia-client/browser'",
    'type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false',
    'type Assert<T extends true> = T',
    'type P<M extends keyof HarmoniaClient> = HarmoniaClient[M] extends (...args: infer A) => unknown ? A : never',
    'type R<M extends keyof HarmoniaClient> = HarmoniaClient[M] extends (...args: never[]) => infer T ? T : never',
    'type Json<X> = X extends { content: { "application/json": infer B } } ? B : void',
    'type Query<O extends keyof operations> = NonNullable<operations[O]["parameters"]["query"]>',
    'type Body<O extends keyof operations> = NonNullable<operations[O]["requestBody"]> extends { content: { "application/json": infer B } } ? B : never',
  ]
  for (const { operation } of operationsOf(document)) {
    const id = operation.operationId
    const m = `'${OPERATIONS[id]}'`
    const op = `'${id}'`
    const tag = `_${id}`
    const parameters = operation.parameters ?? []
    const pathCount = parameters.filter((parameter) => parameter.in === 'path').length
    for (let i = 0; i < pathCount; i += 1) {
      lines.push(`type ${tag}_path${i} = Assert<Equals<P<${m}>[${i}], string>>`)
    }
    const content = operation.requestBody?.content ?? {}
    let next = pathCount
    if ('application/yaml' in content) {
      // a workflow or template file: its text, or its document
      const kind = content['application/yaml'].schema.$ref?.split('/').at(-1) ?? 'WorkflowDocument'
      lines.push(`type ${tag}_document = Assert<components['schemas']['${kind}'] extends P<${m}>[${next}] ? (string extends P<${m}>[${next}] ? true : false) : false>`)
      next += 1
    } else if ('application/json' in content) {
      const name = content['application/json'].schema.$ref?.split('/').at(-1)
      const schema = document.components.schemas[name] ?? {}
      if (Object.keys(schema.properties ?? { any: 1 }).length > 0) {
        lines.push(`type ${tag}_body = Assert<Equals<NonNullable<P<${m}>[${next}]>, Body<${op}>>>`)
        const optional = operation.requestBody.required ? 'false' : 'true'
        lines.push(`type ${tag}_body_required = Assert<Equals<undefined extends P<${m}>[${next}] ? true : false, ${optional}>>`)
        next += 1
      } // else a body without fields (an operator action): the method sends {} itself
    }
    const options = `NonNullable<P<${m}>[${next}]>`
    if (parameters.some((parameter) => parameter.in === 'query')) {
      lines.push(`type ${tag}_query = Assert<Equals<Exclude<keyof Query<${op}>, keyof ${options}>, never>>`)
      lines.push(`type ${tag}_query_types = Assert<Query<${op}> extends Pick<${options}, keyof Query<${op}>> ? true : false>`)
    }
    lines.push(`type ${tag}_signal = Assert<Equals<${options}['signal'], AbortSignal | undefined>>`)
    const success = Object.keys(operation.responses).filter((status) => status < '300').sort()[0]
    const answer = operation.responses[success]
    if (answer.content?.['text/event-stream']) {
      lines.push(`type ${tag}_answer = Assert<Equals<R<${m}>, AsyncGenerator<components['schemas']['Event'], void, undefined>>>`)
    } else {
      lines.push(`type ${tag}_answer = Assert<Equals<Awaited<R<${m}>>, Json<operations[${op}]['responses'][${success}]>>>`)
      lines.push(`type ${tag}_call_options = Assert<CallOptions extends ${options} ? true : false>`)
    }
  }
  for (const name of Object.keys(document.components.schemas)) {
    lines.push(`type _schema_${name} = Assert<Equals<Api.${name}, components['schemas']['${name}']>>`)
  }
  return `${lines.join('\n')}\n`
}

test('the TypeScript declarations agree with the OpenAPI document, method by method', async () => {
  const folder = mkdtempSync(path.join(PACKAGE, '.typecheck-'))
  try {
    writeFileSync(path.join(folder, 'agreement.ts'), typeChecks(await openapi()))
    writeFileSync(
      path.join(folder, 'tsconfig.json'),
      JSON.stringify({
        // the browser's view: no Node types, so the shipped declarations cannot lean on them
        compilerOptions: {
          target: 'es2022',
          lib: ['es2022', 'dom', 'dom.iterable', 'dom.asynciterable'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          types: [],
          // our declarations are checked in full; TypeScript's own lib files need not be
          skipDefaultLibCheck: true,
        },
        files: ['agreement.ts', '../types/index.d.ts', '../types/node.d.ts', '../types/openapi.d.ts'],
      }),
    )
    await tsc(path.join(folder, 'tsconfig.json'))
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
})

test('the examples type-check against the shipped declarations (tsconfig.json)', async () => {
  await tsc(path.join(PACKAGE, 'tsconfig.json'))
})

async function tsc(project) {
  try {
    await promisify(execFile)(process.execPath, [TSC, '-p', project], { cwd: PACKAGE })
  } catch (error) {
    const output = `${error.stdout}${error.stderr}`
    // quote each failing line of a generated check, which names the operation it is about
    const quoted = [...output.matchAll(/^(\S*agreement\.ts)\((\d+),/gm)].map(
      ([, file, line]) => `  ${readFileSync(path.resolve(PACKAGE, file), 'utf8').split('\n')[Number(line) - 1]}`,
    )
    assert.fail(`tsc -p ${path.relative(PACKAGE, project)} failed:\n${output}${quoted.join('\n')}`)
  }
}
