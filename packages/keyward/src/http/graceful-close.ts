import type { FastifyInstance } from 'fastify'
import type { IncomingMessage, Server } from 'node:http'
import { Server as NetServer } from 'node:net'
import { KeywardError } from '../core/errors.js'
import { listenersOf } from './bindings.js'

/**
 * A closing server still accepts connections (answering their requests 503) until none has
 * arrived for QUIET_MS, at most MAX_ACCEPT_MS: connections the kernel completed before the signal
 * wait in the listen backlog, and closing the listening socket resets them. Orchestrators also keep
 * routing to a pod for a moment after SIGTERM.
 */
const QUIET_MS = 150
const MAX_ACCEPT_MS = 2000
/**
 * How long connections are kept after the listener closes before idle ones are closed: bytes a
 * client sent may still sit unread in the socket buffer, and closing a socket with unread data
 * resets it (ECONNRESET) instead of answering.
 */
const SETTLE_MS = 100
const SWEEP_MS = 25

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Resolves once no connection has arrived for QUIET_MS (or after MAX_ACCEPT_MS). */
async function quietPeriod(server: Server): Promise<void> {
  let last = Date.now()
  const seen = () => (last = Date.now())
  server.on('connection', seen)
  const start = last
  while (Date.now() - last < QUIET_MS && Date.now() - start < MAX_ACCEPT_MS) await sleep(25)
  server.off('connection', seen)
}

const unavailable = () => new KeywardError('unavailable', 'the server is shutting down; retry on another node')

/** Longest wait for the rest of a refused request's body (bodies are small: `KEYWARD_BODY_LIMIT_BYTES`). */
const DRAIN_MS = 1000

/**
 * Reads and drops a request's body. A response sent while the body is still unread, followed by
 * closing the connection, resets it: the client may never see the 503.
 */
function drainBody(req: IncomingMessage): Promise<void> {
  if (req.complete) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(done, DRAIN_MS)
    req.once('end', done).once('close', done).resume()
  })
}

/**
 * Graceful close for a listening app. Node's `server.close()` closes idle connections at once,
 * and a connection whose request is still unread counts as idle: 45 of 50 key creations in flight
 * at SIGTERM were reset. Instead, when the app closes:
 * 1. requests routed from then on are answered 503 `unavailable` (in their face's envelope) once their
 *    body is read, those already routed finish with their result, and every response says
 *    `Connection: close` (Fastify's `return503OnClosing` answers before reading the body: resets);
 * 2. connections are still accepted (and answered 503) until they stop coming (QUIET_MS), then the
 *    listeners close (each address's, `bindings.ts`): new connections are refused;
 * 3. after SETTLE_MS, idle connections are closed every SWEEP_MS until none is left.
 * Only then does Fastify's own close (and the store's) proceed.
 */
export function installGracefulClose(app: FastifyInstance): void {
  let closing = false
  // Callback-style: every request runs both, and an async hook costs a promise and a microtask turn.
  app.addHook('onRequest', (req, _reply, done) => {
    if (!closing) return done()
    void drainBody(req.raw).then(() => done(unavailable()))
  })
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close')
    done(null, payload)
  })
  app.addHook('preClose', async () => {
    closing = true
    const server = app.server
    if (!server.listening) return
    await quietPeriod(server)
    // net's close, not http's: stop accepting without closing idle connections yet; resolves when all
    // are closed. Every listener of the server (a host name's other addresses feed it, `bindings.ts`).
    const drained = Promise.all(
      listenersOf(server).map(
        (l) => new Promise<void>((resolve) => NetServer.prototype.close.call(l, () => resolve())),
      ),
    )
    await sleep(SETTLE_MS)
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS)
    server.closeIdleConnections()
    try {
      await drained
    } finally {
      clearInterval(sweep)
    }
  })
}
