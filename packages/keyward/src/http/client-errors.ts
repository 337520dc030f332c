import { type IncomingMessage, STATUS_CODES, type ServerResponse, maxHeaderSize } from 'node:http'
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
    // A reset connection has no one to answer (Node's and Fastify's rule). A socket waiting to
    // answer a refusal (`answerInTurn`) gets the parser's error again with every read: answered once.
    if (err.code === 'ECONNRESET' || socket.destroyed || waiting.has(socket)) return
    const known = err.code ? byNodeCode[err.code] : undefined
    const code = known?.code ?? 'validation_failed'
    // llhttp's codes (HPE_…) name the flaw; its `reason` may quote the request, so it is not sent.
    const message = known?.message(timeoutMs) ?? `malformed HTTP request (${err.code ?? 'unknown'})`
    // Not `err`: Node puts the raw request on it (`rawPacket`), a bearer secret included.
    this.log.debug({ code: err.code }, `HTTP parser refused a request: ${code}`)
    const refusal = { text: rawAnswer(errorStatus[code], { error: { code, message } }), of: refusedRequest(socket) }
    answerInTurn(socket, refusal, err, Date.now() + timeoutMs)
  }
}

type HttpSocket = Socket & {
  _httpMessage?: ServerResponse | null
  parser?: { incoming?: IncomingMessage | null } | null
}
type Refusal = { text: string; of: IncomingMessage | null }

/** Sockets whose refusal waits for earlier answers: their parser has failed, so nothing more is read from them. */
const waiting = new WeakSet<Socket>()

/**
 * The request the parser failed inside (its headers were in, its body broke or stopped coming),
 * or null when the failure came before a request began (bad or oversized headers, no HTTP at all).
 */
function refusedRequest(socket: HttpSocket): IncomingMessage | null {
  const last = socket.parser?.incoming
  return last && !last.complete ? last : null
}

/**
 * Writes the refusal in its turn, then closes. A pipelining client reads answers in order, so
 * the refusal waits until every earlier request's answer is out (helper-114: a raw 4xx written
 * while one was still to come was read as its answer), at most until `deadline` (the request
 * timeout). Written only when no answer of the refused request itself has begun (its route may
 * have answered it, a 401 say, before its body broke).
 */
function answerInTurn(socket: HttpSocket, refusal: Refusal, err: Error, deadline: number): void {
  const current = socket._httpMessage
  if (current && current.req !== refusal.of && !socket.destroyed) {
    waiting.add(socket)
    socket.pause()
    const timer = setTimeout(() => socket.destroy(err), Math.max(0, deadline - Date.now())).unref()
    socket.once('close', () => clearTimeout(timer))
    current.once('finish', () => (clearTimeout(timer), answerInTurn(socket, refusal, err, deadline)))
    return
  }
  if (socket.writable && current?.headersSent !== true) socket.write(refusal.text)
  socket.destroy(err)
}

const rawAnswer = (status: number, body: unknown): string => {
  const json = JSON.stringify(body)
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`
  )
}
