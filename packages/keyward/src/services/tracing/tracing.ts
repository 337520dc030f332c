import type { FastifyPluginCallback } from 'fastify'
import type { Logger } from 'kysely'
import type { TracingConfig } from '../../config.js'
import type { Dialect } from '../../store/database.js'
import type { Verifier } from '../keys/verifier.js'
import type { KeywardMetrics } from '../metrics/metrics.js'

/** Where spans go: the OTLP/HTTP exporter of `config.tracing`, or a test's (the SDK's `InMemorySpanExporter`). */
export interface SpanSink {
  /** An OpenTelemetry `SpanExporter` (typed loosely here so this file loads no OpenTelemetry module). */
  exporter: unknown
  /** Export each span as it ends (tests) instead of in batches (the OTLP default). */
  immediate?: boolean
}

/** What the server wires when tracing is on. Everything here comes from `sdk.ts`, loaded on demand. */
export interface Tracing {
  /** `@fastify/otel`'s plugin: a span per HTTP request (registered before any route). */
  fastifyPlugin(): FastifyPluginCallback
  /** Kysely's logger: a span per store query, under the span that ran it. */
  queryLog(dialect: Dialect): Logger
  /** The verifier with a span per `verify` (its code and whether the cache answered). */
  verifier(metrics: KeywardMetrics, ...args: ConstructorParameters<typeof Verifier>): Verifier
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>
}

/**
 * Tracing when `config` (the `OTEL_*` variables) or a test asks for it, else null. The
 * OpenTelemetry SDK is imported here, on demand: with tracing off no module of it is loaded,
 * and no request, verification or query runs any tracing code (nothing is wrapped).
 */
export async function startTracing(config: TracingConfig | null, sink?: SpanSink): Promise<Tracing | null> {
  if (!config && !sink) return null
  const { openTracing } = await import('./sdk.js')
  return openTracing(config?.serviceName ?? 'keyward', sink ?? (await otlpSink(config!.tracesUrl)))
}

async function otlpSink(url: string): Promise<SpanSink> {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http')
  return { exporter: new OTLPTraceExporter({ url }) }
}
