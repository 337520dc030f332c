import { STATUS_CODES, maxHeaderSize } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import { type ErrorCode, errorStatus } from '../core/errors.js'

/** Node's error codes for a request its HTTP parser gave up on (the rest are malformed requests). */
const byNodeCode: Record<string, { code: ErrorCode; message: (timeoutMs: number) => string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'request_timeout',
    message: (ms) => `the request did not arrive in full within ${ms / 1000} s (KEYWARD_REQUEST_TIMEOUT_MS)`,
  },
  HPE_HEADER_OVERFLOW: {
    code: 'headers_too_large',
    message: () => `the request's headers are over ${maxHeaderSize} bytes`,
  },
}

/**
 * The answer to a request Node's HTTP parser refused before any route saw it (a bad
 * Content-Length, Content-Length with chunked, a broken chunk, oversized headers, a body that
 * stopped coming): the native envelope with a stable code, instead of Fastify's own
 * `{"error":"Bad Request","message":"Client Error"}` — a client (the CLI's import) must tell a
 * timeout from a refusal. No route ran, so no face is known: every face gets the native shape.
 * The connection is closed, as Node does: what follows on it cannot be trusted to be a request.
 */
export function clientErrorHandler(timeoutMs: number) {
  return function answer(this: { log: FastifyBaseLogger }, err: NodeJS.ErrnoException, socket: Socket): void {
    // A reset connection has no one to answer (Node's and Fastify's rule).
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    const known = err.code ? byNodeCode[err.code] : undefined
    const code = known?.code ?? 'validation_failed'
    // llhttp's codes (HPE_…) name the flaw; its `reason` may quote the request, so it is not sent.
    const message = known?.message(timeoutMs) ?? `malformed HTTP request (${err.code ?? 'unknown'})`
    // Not `err`: Node puts the raw request on it (`rawPacket`), a bearer secret included.
    this.log.debug({ code: err.code }, `HTTP parser refused a request: ${code}`)
    if (socket.writable && !responding(socket)) socket.write(rawAnswer(errorStatus[code], { error: { code, message } }))
    socket.destroy(err)
  }
}

/** Whether a response on this connection already began (keep-alive): nothing more may be written then. */
const responding = (socket: Socket) =>
  (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true

const rawAnswer = (status: number, body: unknown): string => {
  const json = JSON.stringify(body)
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`
  )
}
