import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { KeywardError, errorStatus } from '../core/errors.js'
import { lingeringClose, rawAnswer } from './client-errors.js'

/**
 * Requests node:http answers by itself, before any route, with an empty body or none (a fuzzer's
 * finds): they get an answer in an envelope, as every other refusal does.
 * - `Expect` other than `100-continue`: Node answered 417 with no body. RFC 9110 lets a server
 *   ignore an expectation it does not know (a 417 is a MAY), so the request is served as any other,
 *   through the one request listener (`turn-budget.ts`).
 * - `CONNECT`: no listener, so Node closed the socket without a word. No route takes it: 404, as an
 *   unknown method elsewhere, and the connection closed (what follows is no HTTP of ours).
 * The missing `Host` header is the third: see `installHostCheck`.
 */
export function installUnrouted(server: Server): void {
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res))
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    const error = { code: 'not_found', message: `no route for CONNECT ${req.url ?? ''}` } as const
    lingeringClose(socket, rawAnswer(errorStatus[error.code], { error }))
  })
}

/**
 * HTTP/1.1 requires `Host`; node:http answered its absence with a bare 400 before routing (its
 * `requireHostHeader`, turned off in `app.ts`). Refused here instead, in the route's face's
 * envelope. Callback-style: every request runs it (an async hook costs a promise per request).
 */
export function installHostCheck(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    done(req.raw.headers.host === undefined && req.raw.httpVersion === '1.1' ? noHost() : undefined)
  })
}

const noHost = () => new KeywardError('validation_failed', 'an HTTP/1.1 request needs a Host header')
