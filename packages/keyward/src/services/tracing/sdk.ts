import { FastifyOtelInstrumentation } from '@fastify/otel'
import { SpanStatusCode, type Tracer, context, propagation } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'
import type { LogEvent } from 'kysely'
import type { Dialect } from '../../store/database.js'
import type { KeywardMetrics } from '../metrics/metrics.js'
import type { SpanSink, Tracing } from './tracing.js'
import { TracedVerifier } from './traced-verifier.js'

let contextReady = false

/**
 * Spans follow async work through AsyncLocalStorage (a verify's query under its verify, under its
 * request) and incoming `traceparent` headers continue a caller's trace. Both are process-wide
 * settings of the OpenTelemetry API, set once; the tracer provider is per server, not global.
 */
function setUpContext(): void {
  if (contextReady) return
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  contextReady = true
}

/** `SELECT`, `INSERT`…: the statement's first word. */
const operationOf = (sql: string) => /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY'

/**
 * A span per query, made when Kysely reports it (after it ran, in the caller's async context, so
 * under the caller's span), backdated by its duration. The text is the parameterised SQL: values
 * (key hashes, emails) are never attributes.
 */
function queryLog(tracer: Tracer, dialect: Dialect) {
  const system = dialect === 'postgres' ? 'postgresql' : 'sqlite'
  return (event: LogEvent): void => {
    const operation = operationOf(event.query.sql)
    const span = tracer.startSpan(`${operation} ${system}`, {
      startTime: Date.now() - event.queryDurationMillis,
      attributes: { 'db.system.name': system, 'db.operation.name': operation, 'db.query.text': event.query.sql },
    })
    if (event.level === 'error') span.setStatus({ code: SpanStatusCode.ERROR })
    span.end()
  }
}

/** Tracing over one tracer provider exporting to `sink`. */
export function openTracing(serviceName: string, sink: SpanSink): Tracing {
  setUpContext()
  const exporter = sink.exporter as SpanExporter
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [sink.immediate ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  })
  const tracer = provider.getTracer('keyward')
  const http = new FastifyOtelInstrumentation({
    // The span's url.path would be the whole URL, query included, and a query may carry a key (`?apikey=`).
    requestHook: (span, request) => span.setAttribute('url.path', request.url.split('?')[0]!),
  })
  http.setTracerProvider(provider)
  return {
    fastifyPlugin: () => http.plugin(),
    queryLog: (dialect) => queryLog(tracer, dialect),
    verifier: (metrics: KeywardMetrics, ...args) => new TracedVerifier(tracer, metrics, ...args),
    shutdown: () => provider.shutdown(),
  }
}
