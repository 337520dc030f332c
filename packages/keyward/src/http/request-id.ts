import type { FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** The header that carries a request's id, in (from a caller or a proxy) and out (on every response). */
export const REQUEST_ID_HEADER = 'x-request-id'

/**
 * A caller's id is kept only when short and plain: it is echoed in a header and written to every
 * log line of the request, so it must not carry a line break, quotes or a novel.
 */
const WELL_FORMED = /^[\w.:@/+=-]{1,128}$/

/**
 * Fastify's `genReqId`: the caller's well-formed `x-request-id`, else a fresh UUID. Fastify's own
 * `requestIdHeader` is off because it takes the header's value unchecked; this reads it instead.
 */
export function requestId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER]
  return typeof given === 'string' && WELL_FORMED.test(given) ? given : randomUUID()
}

/** Echoes each request's id on its response, set first so errors, 404s and the dashboard carry it too. */
export function installRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, req.id)
    done()
  })
}
