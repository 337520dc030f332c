import { type FastifyReply, type FastifyRequest, LogController } from 'fastify'
import { classifyKey, visiblePrefix } from '../core/key-format.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The verify route: `KEYWARD_VERIFY_ACCESS_LOG` sets the level of its answers below 400 (`AccessLog`). */
    verifyAccessLog?: true
  }
}

/**
 * The request fields of a log line: the path, never the query (a query may carry a key:
 * `?apikey=`). Also Fastify's `req` serializer, so every line that logs a request agrees.
 */
export const requestFields = (req: { method: string; url: string; id: string; ip?: string }) => ({
  id: req.id,
  method: req.method,
  path: pathOf(req.url),
  ip: req.ip,
})

/** The URL up to its query, with any segment that may be a key masked (`maskKeys`). */
const pathOf = (url: string) => {
  const q = url.indexOf('?')
  return maskKeys(q === -1 ? url : url.slice(0, q))
}

/** Shorter than any key (`hasKeyLength`): the verify route's path, and most others, are logged as they are. */
const SHORTEST_KEY = 32

/**
 * A run of the characters keys and tokens use (`_` too: Keyward's own, `kw_…`, `kwrt_…`), key-long
 * (`hasKeyLength`'s shortest) or longer.
 */
const TOKEN_RUN = /[A-Za-z0-9._~+=-]{32,}/g

/**
 * A key pasted where an id belongs (`GET /v1/keys/kw_…`, a 400) reached the log whole (an operator's
 * find), and so did one with anything around it: a trailing space or newline from a copy, quotes, a
 * `Bearer ` prefix, an OData key predicate (`device(uuid='…')`; an attacker's find: only a segment
 * that was a token whole was masked). So every key-long run of token characters in a segment, once
 * decoded, is masked: one of Keyward's shape as its visible start (stored and shown anyway, so the key
 * can be found), any other (an imported key keeps its own shape; a refresh token) as `[masked]`. A
 * device's 32-character UUID is masked too: a key of that shape cannot be told from one. Segments
 * with no such run are logged as sent.
 */
function maskKeys(path: string): string {
  if (path.length < SHORTEST_KEY) return path
  return path
    .split('/')
    .map((seg) => (seg.length < SHORTEST_KEY ? seg : maskSegment(seg)))
    .join('/')
}

function maskSegment(seg: string): string {
  const text = decoded(seg)
  let masked = false
  const out = text.replace(TOKEN_RUN, (run) => {
    masked = true
    return classifyKey(run).kind === 'keyward' ? `${visiblePrefix(run)}…[masked]` : '[masked]'
  })
  return masked ? out : seg
}

const decoded = (seg: string) => {
  try {
    return decodeURIComponent(seg)
  } catch {
    return seg
  }
}

/**
 * One access-log line per request instead of Fastify's two: at `info`, `request completed` carries
 * the request (id, method, path, client address) with the status and duration, so a line names
 * what was asked and how it ended. Each line cost about 3 µs of server CPU (in a profile, the two
 * lines were 5.8 % of about 130 µs per verification: pino's serialisation and write, and a child
 * logger per request), a noticeable share of a cached verification. `incoming request` is
 * logged at `debug` only: it is what shows a request that never completes (a stalled body), which
 * matters when debugging, not in a normal log. Error lines are Fastify's (`request errored`, with
 * the request too).
 *
 * `KEYWARD_VERIFY_ACCESS_LOG=debug` (`verifyLevel`) logs the verify route's answers below 400 at
 * debug: for a gateway whose every request is a verification, they are most of the log (10,000 a
 * second are about 2 MB a second) and about a tenth of the server's CPU per verification (DESIGN.md,
 * "HTTP hot path" 5). Off by default: the line is the only per-request record of a verification
 * (time, id, client address, duration) when metrics and tracing are off. Its 4xx and errors stay.
 */
export class AccessLog extends LogController {
  /** `'info'`: every route alike. Only `'debug'` reads the route's config (a getter that builds an object). */
  constructor(private readonly verifyLevel: 'info' | 'debug' = 'info') {
    super()
  }

  /** At `debug`: pino's level check makes this free at `info`. */
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request')
  }

  /** The one line per request, with the request's own fields. */
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else if (this.verifyLevel === 'debug' && reply.statusCode < 400 && request.routeOptions.config.verifyAccessLog)
      reply.log.debug(line, 'request completed')
    else reply.log.info(line, 'request completed')
  }
}
