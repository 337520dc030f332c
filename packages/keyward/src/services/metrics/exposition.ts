import { Registry, collectDefaultMetrics } from 'prom-client'

let processMetrics: Registry | null = null

/**
 * Node's default metrics (event-loop lag, heap, GC, CPU, handles) in one registry per process:
 * they describe the process, not a server, and prom-client's collectors (a GC observer, an
 * event-loop delay monitor) cannot be stopped, so each server must not start its own.
 * Created at the first scrape, so a process that never serves metrics starts no collector.
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry()
    collectDefaultMetrics({ register: processMetrics })
  }
  return processMetrics
}

/** Prometheus's text format for a server: its stack's registry and the process's default metrics. */
export async function serverExposition(stack: Registry): Promise<{ contentType: string; text: string }> {
  const merged = Registry.merge([processRegistry(), stack])
  return { contentType: merged.contentType, text: await merged.metrics() }
}
