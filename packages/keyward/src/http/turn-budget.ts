import { createServer, type RequestListener, type Server, type ServerOptions as ServerOpts } from 'node:http'

/** How long request work may hold the event loop at a stretch before timers and I/O get a turn. */
export const TURN_BUDGET_MS = 1

type Go = () => void

/**
 * Bounds how long request work holds the event loop at a stretch.
 *
 * Under load, one poll phase runs every request whose bytes are in: each request's
 * synchronous work (routing, hooks, a cached verify, the answer) runs in its socket's
 * callback, so one turn lasts about connections × CPU per request (30 ms measured at 64
 * connections), and every timer (the bus's heartbeat, leases, the usage flush) waits as long.
 * Invariant: a request starts only while the stretch it joins is under the budget; past it,
 * requests wait in arrival order and start from a later turn (a `setImmediate` scheduled from
 * the check phase runs after the next timers and poll). The clock is read before each start;
 * what a start runs at once counts there, what it queues (its body's ticks, its promises) runs
 * right after the stretch's starts (`queueMicrotask` chains them), so a turn lasts a few
 * budgets, not one per connection. The same work runs, in shorter turns with timers and I/O
 * between them; a request waits at most the turns of those queued before it.
 */
export class TurnBudget {
  private readonly waiting: Go[] = []
  private stretchStart = -1

  constructor(private readonly budgetMs = TURN_BUDGET_MS) {}

  /** Runs `go` now when the current stretch has room (and nobody waits), later otherwise. */
  admit(go: Go): void {
    const now = performance.now()
    if (this.stretchStart < 0) this.openStretch(now)
    if (this.waiting.length === 0 && now - this.stretchStart < this.budgetMs) return go()
    this.waiting.push(go)
  }

  /** Requests waiting for a turn. */
  get queued(): number {
    return this.waiting.length
  }

  /** A stretch opened in the poll phase goes on into the check phase after it, then ends. */
  private openStretch(now: number): void {
    this.stretchStart = now
    setImmediate(() => this.drain(now, false))
  }

  /**
   * Starts waiting requests, one per microtask turn, while the stretch has room; the rest wait
   * for the next turn. A stretch of its own (`fresh`) starts one whatever it costs: progress.
   */
  private drain(start: number, fresh: boolean): void {
    if (this.waiting.length === 0) {
      this.stretchStart = -1
      return
    }
    if (!fresh && performance.now() - start >= this.budgetMs) {
      const next = performance.now()
      this.stretchStart = next
      setImmediate(() => this.drain(next, true))
      return
    }
    try {
      this.waiting.shift()!()
    } finally {
      // A start that throws (as it would have from the socket's callback) still leaves the rest their turns.
      queueMicrotask(() => this.drain(start, false))
    }
  }
}

/** What Fastify hands a `serverFactory`: the options it would have built its own server with. */
interface ServerOptions {
  http?: ServerOpts
  keepAliveTimeout: number
  requestTimeout: number
  connectionTimeout: number
  maxRequestsPerSocket?: number | null
}

/**
 * Fastify's `serverFactory`: the HTTP/1 server Fastify would build (lib/server.js, the same
 * options and timeouts), whose requests pass the turn budget before Fastify sees them.
 */
export function budgetedServer(budget = new TurnBudget()) {
  return (handler: RequestListener, opts: Record<string, unknown>): Server => {
    const options = opts as unknown as ServerOptions
    const server = createServer(options.http ?? {}, (req, res) => budget.admit(() => handler(req, res)))
    server.keepAliveTimeout = options.keepAliveTimeout
    server.requestTimeout = options.requestTimeout
    server.setTimeout(options.connectionTimeout)
    if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket
    return server
  }
}
