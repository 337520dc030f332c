import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyHttpOptions, type FastifyInstance } from 'fastify'
import type { Server } from 'node:http'
import type { Config, TrustProxy } from '../config.js'
import { KeywardError } from '../core/errors.js'
import type { Services } from '../services/index.js'
import { AccessLog, requestFields } from './access-log.js'
import { clientErrorHandler } from './client-errors.js'
import { sendNativeError } from './errors.js'
import { installGracefulClose } from './graceful-close.js'
import { installHtmlHeaders } from './html-headers.js'
import { installJsonParser } from './json-parser.js'
import { installHttpMetrics, registerMetricsRoute } from './metrics.js'
import { REQUEST_ID_HEADER, installRequestIdHeader, requestId } from './request-id.js'
import { installValidators } from './validation.js'
import { installTurnBudget } from './turn-budget.js'
import { installHostCheck, installUnrouted } from './unrouted.js'
import { compatFaces, faceErrorSender } from './compat/index.js'
import { registerDashboard } from './dashboard.js'
import { healthRoutes } from './routes/health.js'
import { v1Routes } from './routes/v1/index.js'

export type App = FastifyInstance

export interface AppOptions {
  /** Pino options (level, stream…); false for none (tests). */
  logger?: false | { level?: string; stream?: NodeJS.WritableStream }
  /** Directory of the built dashboard served at `/` (default: packages/dashboard/dist); false for none. */
  dashboardDir?: string | false
}

/**
 * Fastify's own hop count trusts nothing (it cannot check the peer), so `n` hops is spelled as
 * proxy-addr's hop function: the socket peer and the n-1 entries before it are proxies, the next
 * one leftwards is the client. Only right for a server reachable through its proxy alone; a list
 * of proxy CIDRs checks each hop's address instead.
 */
function proxyTrust(tp: TrustProxy): boolean | string[] | ((addr: string, hop: number) => boolean) {
  return typeof tp === 'number' ? (_addr, hop) => hop < tp : tp
}

/** Builds the HTTP application over wired services. Does not listen. */
export async function buildApp(services: Services, config: Config, opts: AppOptions = {}): Promise<App> {
  const app = Fastify(serverOptions(config, opts)).withTypeProvider<TypeBoxTypeProvider>()
  // Requests pass a per-turn budget first, so a burst never holds the event loop (`turn-budget.ts`).
  installTurnBudget(app.server, services.metrics.registry)
  installUnrouted(app.server)
  // Before every hook and route, so @fastify/otel sees them all.
  if (services.tracing) await app.register(services.tracing.fastifyPlugin())
  installRequestIdHeader(app)
  installJsonParser(app)
  installHostCheck(app)
  installHtmlHeaders(app)
  installGracefulClose(app)
  installValidators(app)
  installHttpMetrics(app, services.metrics.registry)
  app.decorateRequest('principal', null)
  installEmptyBodies(app)
  app.setErrorHandler((err, req, reply) => sendNativeError(err, req, reply))
  // The dashboard (when built) answers what no route matched; everything else is a JSON 404.
  const dashboard = opts.dashboardDir === false ? undefined : await registerDashboard(app, opts.dashboardDir)
  app.setNotFoundHandler(
    (req, reply) =>
      dashboard?.(req, reply) ??
      sendNativeError(new KeywardError('not_found', `no route for ${req.method} ${req.url.split('?')[0]}`), req, reply),
  )
  await registerOpenApi(app, config)
  await app.register(healthRoutes, { services })
  registerMetricsRoute(app, services.metrics.registry, config)
  await app.register(v1Routes, { prefix: '/v1', services })
  for (const face of compatFaces) await app.register(face, { services, config })
  return app
}

/** Fastify's options: logging, limits and timeouts, proxies, request ids, router failures. */
function serverOptions(config: Config, opts: AppOptions): FastifyHttpOptions<Server> {
  return {
    logger: loggerOptions(config, opts),
    // One access-log line per request (`access-log.ts`).
    logController: new AccessLog(config.verifyAccessLog),
    bodyLimit: config.bodyLimitBytes,
    ...timeoutOptions(config),
    trustProxy: proxyTrust(config.trustProxy),
    routerOptions: { ignoreTrailingSlash: true },
    // Closing is answered by `graceful-close.ts`, after reading the request's body.
    return503OnClosing: false,
    // Every log line of a request carries its id (`reqId`); see request-id.ts for the header.
    requestIdHeader: false,
    genReqId: requestId,
    // Router-level failures (a malformed %-escape in the URL) get the envelope of the face the path
    // belongs to (`faceErrorSender`). They skip the onRequest hooks, so the request id header is set here as well.
    frameworkErrors: (err, req, reply) => {
      const send = faceErrorSender(req.url) ?? sendNativeError
      void send(new KeywardError('validation_failed', err.message), req, reply.header(REQUEST_ID_HEADER, req.id))
    },
  }
}

/** Whatever logger config is given, requests are serialized without their query (`access-log.ts`). */
function loggerOptions(config: Config, opts: AppOptions) {
  if (opts.logger === false) return false
  return {
    level: config.logLevel,
    ...(typeof opts.logger === 'object' && opts.logger),
    serializers: { req: requestFields },
  }
}

/** How long a request may take to come in, and what a refused one is answered. */
function timeoutOptions(config: Config) {
  return {
    // A request that is not all in by then gets 408 and its connection closed (a slow or stalled
    // body held one for good: Fastify's default is no limit). Node checks every interval, so the
    // answer comes at most one interval late. Node wants headersTimeout ≤ requestTimeout: with its
    // default 60 s above a 1 s requestTimeout, a stalled body was closed only at 60 s (measured).
    requestTimeout: config.requestTimeoutMs,
    // What Node's HTTP parser refuses (that 408 among them) gets its path's face's envelope (`client-errors.ts`).
    clientErrorHandler: clientErrorHandler(config.requestTimeoutMs),
    http: {
      // A missing Host is refused in the route's envelope (`unrouted.ts`), not with node:http's bare 400.
      requireHostHeader: false,
      connectionsCheckingInterval: Math.min(config.requestTimeoutMs / 2, 5_000),
      headersTimeout: Math.min(config.requestTimeoutMs, 60_000),
    },
  }
}

/** Where a body is missing, a route sees `{}` (how a `null` body reads: below). */
function installEmptyBodies(app: App): void {
  // A POST without a body (e.g. `/keys/:id/revoke`) is validated as an empty object,
  // so optional bodies need no special schema and missing fields get precise errors.
  // A body that says `null` is not missing: where a route describes its body, the schema
  // refuses it (a PATCH of `null` was a silent no-op); elsewhere it reads as none.
  // Callback-style (not async) hooks here and in json-parser.ts: every request runs them,
  // and an async hook costs a promise and a microtask turn each time.
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.body === undefined || (req.body === null && !req.routeOptions.schema?.body)) req.body = {}
    done()
  })
}

/** The OpenAPI document (`/openapi.json`) and its UI (`/docs`). */
async function registerOpenApi(app: App, config: Config): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keyward',
        version: '0.1.0',
        description:
          'Self-hosted API key management. Errors are `{"error": {code, message, details?}}`. Any route may answer ' +
          '429 `rate_limited` or 503 `unavailable` (the database cannot answer now) with `Retry-After`: retry after it; ' +
          "and 408 `request_timeout` (not all in within the server's request timeout) or 431 `headers_too_large`, " +
          'with the connection closed.',
      },
      ...(config.publicUrl && { servers: [{ url: config.publicUrl }] }),
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transformObject: (doc) =>
      'openapiObject' in doc ? optionalBodies(doc.openapiObject as OpenApiPaths) : doc.swaggerObject,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}

interface OpenApiPaths {
  paths?: Record<
    string,
    Record<
      string,
      { requestBody?: { required?: boolean; content?: Record<string, { schema?: { required?: string[] } }> } }
    >
  >
}

/**
 * A body none of whose fields is required may be left out (the preValidation hook above reads none as `{}`), but
 * @fastify/swagger marks every body required: generated clients had to send `{}` to end a grace period (a new
 * user's find). Such bodies are marked optional.
 */
function optionalBodies<T extends OpenApiPaths>(doc: T): T {
  for (const operation of Object.values(doc.paths ?? {}).flatMap((p) => Object.values(p))) {
    const body = operation.requestBody
    const schemas = Object.values(body?.content ?? {}).map((c) => c.schema)
    if (body && schemas.every((sc) => sc && !sc.required?.length)) body.required = false
  }
  return doc
}
