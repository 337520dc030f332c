import { createHash, timingSafeEqual } from 'node:crypto'
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Registry } from 'prom-client'
import { Type } from 'typebox'
import type { Config } from '../config.js'
import { KeywardError } from '../core/errors.js'
import { addressesOf, closeListeners, feedFrom } from './bindings.js'
import { serverExposition } from '../services/metrics/exposition.js'
import { BucketTally, TalliedHistogram, type TallySeries } from '../services/metrics/tally.js'

/** OpenTelemetry's advice for `http.server.request.duration` (seconds). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

/** The duration series of one route (pattern), per method and status code, made on first use. */
class RouteDurations {
  private readonly byMethod = new Map<string, Map<number, BucketTally>>()

  constructor(
    private readonly route: string,
    private readonly all: TallySeries[],
  ) {}

  /** One request's duration, in seconds. */
  observe(method: string, status: number, seconds: number): void {
    let byStatus = this.byMethod.get(method)
    if (byStatus === undefined) this.byMethod.set(method, (byStatus = new Map<number, BucketTally>()))
    let tally = byStatus.get(status)
    if (tally === undefined) byStatus.set(status, (tally = this.add(method, status)))
    tally.observe(seconds)
  }

  private add(method: string, status: number): BucketTally {
    const tally = new BucketTally(HTTP_BUCKETS)
    const labels = { http_request_method: method, http_route: this.route, http_response_status_code: status }
    this.all.push({ labels, tally })
    return tally
  }
}

/**
 * Times every request of the public port into `registry`, under OpenTelemetry's semantic-convention
 * names. `http_route` is the route's pattern (`/v1/keys/:id`), never the path: a path carries ids
 * and would make one series per key; unmatched requests (404, the dashboard) have an empty route.
 *
 * Per request this is two Map reads and a bucket add (`tally.ts`), read at scrape time: a route
 * gets its own onResponse hook holding its series (`onRoute`), so no request builds a label object
 * or reads `req.routeOptions` (a getter that builds an object of a dozen fields each time), and
 * prom-client does not hash labels per observation. The app-wide hook counts unmatched requests only.
 */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const all: TallySeries[] = []
  new TalliedHistogram(registry, 'http_server_request_duration_seconds', 'Duration of HTTP server requests.', {
    bounds: HTTP_BUCKETS,
    series: () => all,
  })
  const timer =
    (durations: RouteDurations) =>
    (req: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      durations.observe(req.method, reply.statusCode, reply.elapsedTime / 1000)
      done()
    }
  app.addHook('onRoute', (route) => {
    const own = route.onResponse === undefined ? [] : [route.onResponse].flat()
    route.onResponse = [...own, timer(new RouteDurations(route.url, all))]
  })
  const unmatched = timer(new RouteDurations('', all))
  app.addHook('onResponse', (req, reply, done) => (req.is404 ? unmatched(req, reply, done) : done()))
}

/** The token a request presents (`Authorization: Bearer …`) matches `token`, compared in constant time. */
function presentsToken(headers: IncomingHttpHeaders, token: string): boolean {
  const m = /^Bearer (\S+)$/i.exec(headers.authorization ?? '')
  const digest = (s: string) => createHash('sha256').update(s).digest()
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token))
}

/**
 * `GET /metrics` on the public port: 404 unless `KEYWARD_METRICS_TOKEN` is set (metrics name
 * routes, codes and load, which the public should not read), then 401 without that token.
 */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry, config: Config): void {
  const schema = {
    tags: ['operations'],
    summary: 'Prometheus metrics (needs KEYWARD_METRICS_TOKEN)',
    description:
      'Prometheus text exposition format. Answers 404 unless the server was started with KEYWARD_METRICS_TOKEN; ' +
      'the bearer token is then that value (not a user token or API key).',
    response: { 200: { content: { 'text/plain': { schema: Type.String() } } } },
  }
  app.get('/metrics', { schema }, async (req, reply) => {
    const { metricsToken } = config
    if (metricsToken === null) throw new KeywardError('not_found', 'no route for GET /metrics')
    if (!presentsToken(req.headers, metricsToken))
      throw new KeywardError('unauthorized', 'GET /metrics needs the KEYWARD_METRICS_TOKEN bearer token')
    const { contentType, text } = await serverExposition(registry)
    return reply.type(contentType).send(text)
  })
}

/** The metrics-only listener (`KEYWARD_METRICS_PORT`). */
export interface MetricsListener {
  readonly port: number
  /** Every address it listens on (`metricsHost`'s, `bindings.ts`). */
  readonly addresses: readonly string[]
  close(): Promise<void>
}

/**
 * Serves `/metrics` alone on `metricsHost:metricsPort` (each of a host name's addresses), off the public port (a plain node:http
 * server: nothing else is routed there). Open to whoever reaches that address, unless
 * `KEYWARD_METRICS_TOKEN` is set, which it then requires too.
 */
export async function listenForMetrics(config: Config, registry: Registry): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if (req.method !== 'GET' || path !== '/metrics') return void res.writeHead(404).end('not found\n')
    if (config.metricsToken !== null && !presentsToken(req.headers, config.metricsToken))
      return void res.writeHead(401).end('unauthorized\n')
    serverExposition(registry).then(
      ({ contentType, text }) => res.writeHead(200, { 'content-type': contentType }).end(text),
      () => res.writeHead(500).end('metrics collection failed\n'),
    )
  })
  const [first = config.metricsHost, ...others] = await addressesOf(config.metricsHost)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.metricsPort ?? 0, first, resolve)
  })
  const addresses = [first]
  // An accept error after binding leaves that listener open, as node:http's own does; no logger reaches here.
  await feedFrom(server, others, { bound: (a) => addresses.push(a), error: () => undefined })
  return {
    port: (server.address() as AddressInfo).port,
    addresses,
    close: () => closeListeners(server),
  }
}
