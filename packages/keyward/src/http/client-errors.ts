import { type IncomingMessage, STATUS_CODES, type ServerResponse, maxHeaderSize } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import { type ErrorCode, KeywardError } from '../core/errors.js'
import { faceEnvelope } from './compat/index.js'

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
 * timeout from a refusal. No route ran: the face is the path's, when the request got far enough to have
 * one (`faceEnvelope`: Fluxbase's SDK made "[object Object]" of the native shape, realm-web no message), else
 * the native one.
 * The connection is closed, as Node does: what follows on it cannot be trusted to be a request.
 */
export function clientErrorHandler(timeoutMs: number) {
  return function answer(this: { log: FastifyBaseLogger }, err: NodeJS.ErrnoException, socket: Socket): void {
    // A reset connection has no one to answer (Node's and Fastify's rule). A refused socket gets
    // the parser's error again with every read while it lingers: answered once.
    if (err.code === 'ECONNRESET' || socket.destroyed || refused.has(socket)) return
    const known = err.code ? byNodeCode[err.code] : undefined
    const code = known?.code ?? 'validation_failed'
    // llhttp's codes (HPE_…) name the flaw; its `reason` may quote the request, so it is not sent.
    const message = known?.message(timeoutMs) ?? `malformed HTTP request (${err.code ?? 'unknown'})`
    // Not `err`: Node puts the raw request on it (`rawPacket`), a bearer secret included.
    this.log.debug({ code: err.code }, `HTTP parser refused a request: ${code}`)
    refused.add(socket)
    const of = refusedRequest(socket)
    const url = of?.url ?? requestLineUrl(err) ?? '/'
    const { status, body } = faceEnvelope(url)(new KeywardError(code, message), url, '')
    const refusal = { text: rawAnswer(status, body), of }
    const deadline = setTimeout(() => socket.destroy(), timeoutMs).unref()
    socket.once('close', () => clearTimeout(deadline))
    socket.pause()
    answerInTurn(socket, refusal)
  }
}

/**
 * The path on the request line the parser was reading when it gave up before a request began (oversized headers),
 * if the bytes it held start with one: only to choose the answer's face. Those bytes may hold a bearer secret; the
 * path alone is read, and nothing of them is logged. (A pipelined request's bytes may start with an earlier request:
 * its face is used, a wrong envelope at worst.)
 */
function requestLineUrl(err: NodeJS.ErrnoException & { rawPacket?: unknown }): string | undefined {
  if (!Buffer.isBuffer(err.rawPacket)) return undefined
  return /^[A-Z]+ (\/\S*) HTTP\/1\.[01]\r?\n/.exec(err.rawPacket.subarray(0, 8192).toString('latin1'))?.[1]
}

type HttpSocket = Socket & {
  _httpMessage?: ServerResponse | null
  parser?: { incoming?: IncomingMessage | null } | null
}
type Refusal = { text: string; of: IncomingMessage | null }

/** Sockets with a refusal, written or waiting its turn: no request read on them afterwards is started. */
const refused = new WeakSet<Socket>()
/** Requests read on a refused socket (a request timeout leaves the parser working): never started. */
const held = new WeakSet<IncomingMessage>()

/**
 * Whether a request is read on a refused connection, and so is not started (the one request
 * listener asks, `turn-budget.ts`). A request timeout leaves the parser working, and a socket
 * lingering to close (`answerInTurn`) is read on: a request in what it reads would otherwise run
 * (a key created, say) and never be answered.
 */
export function heldBack(req: IncomingMessage): boolean {
  if (!refused.has(req.socket)) return false
  held.add(req)
  return true
}

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
 * while one was still to come was read as its answer), at most until the request timeout (the
 * deadline set by `answer`). Written only when the refused request has no answer of its own
 * (its route may answer it before its body broke: a 401, a 415), begun or already sent
 * (helper-115).
 */
function answerInTurn(socket: HttpSocket, refusal: Refusal): void {
  const current = socket._httpMessage
  const earlier = current && current.req !== refusal.of && !held.has(current.req)
  if (earlier && !socket.destroyed) {
    current.once('finish', () => answerInTurn(socket, refusal))
    return
  }
  // A refused request whose response is no longer current was answered: its response finished.
  const unanswered = refusal.of === null || (current?.req === refusal.of && !current.headersSent)
  lingeringClose(socket, socket.writable && unanswered ? refusal.text : undefined)
}

/** Longest a refused connection is read (and what is read dropped) after its last answer. */
const LINGER_MS = 1000

/**
 * Ends the connection after `last`, reading and dropping what the client still sends until it
 * closes or LINGER_MS: closing a socket with unread bytes resets it, and a reset can drop the
 * answers still in the send queue (helper-115; nginx's lingering close, `graceful-close.ts` too).
 */
export function lingeringClose(socket: Socket, last: string | undefined): void {
  if (socket.destroyed) return
  if (last === undefined) socket.end()
  else socket.end(last)
  setTimeout(() => socket.destroy(), LINGER_MS).unref()
  socket.resume()
}

export const rawAnswer = (status: number, body: unknown): string => {
  const json = JSON.stringify(body)
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`
  )
}
