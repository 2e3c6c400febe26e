// Type-checked by the tests (tsc): what a TypeScript user writes, with the shipped types.
import { HarmoniaClient, HarmoniaError, type Event, type Execution } from 'harmonia-client'

export async function run(document: string): Promise<Execution['status']> {
  const client = new HarmoniaClient({ timeout: 10_000 })
  const info = await client.createWorkflow(document, { format: 'yaml' })
  const template = await client.createTemplate(
    { kind: 'template', name: 'typed', parameters: { n: { type: 'integer' } }, workflow: { name: 'w', tasks: {} } },
    { replace: true },
  )
  const made = await client.instantiateTemplate(template.name, { parameters: { n: 1 } })
  console.log(made.origin.template_digest, (await client.getTemplate(template.id)).parameters)
  const started = await client.createExecution({ workflow_id: info.id, input: { base: 5 } })
  const seen: Event[] = []
  for await (const event of client.events(started.id, { after: 0 })) seen.push(event)
  const page = await client.listExecutions({ status: 'completed', limit: 10, signal: AbortSignal.timeout(5000) })
  const summary = page.items.find((item) => item.id === started.id)
  try {
    await client.cancelExecution(started.id)
  } catch (error) {
    if (error instanceof HarmoniaError && error.code === 'conflict') console.log(error.status, error.details)
  }
  return summary?.status ?? (await client.wait(started.id, { timeout: 30_000 })).status
}
