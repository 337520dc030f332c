import { AsyncResource } from 'node:async_hooks'
import type { RequestListener, Server } from 'node:http'
import { Gauge, type Registry } from 'prom-client'

/** How long request work may hold the event loop at a stretch before timers and I/O get a turn. */
export const TURN_BUDGET_MS = 1

/**
 * Past this many waiting requests, new ones start at once, as without a budget. A pipelining
 * client's requests are parsed as fast as they are read; started at once, their answers fill
 * the socket's write buffer and Node stops reading it (its own flood guard). Waiting, they
 * would not, and the queue would grow with every read: the cap hands the guard back.
 */
export const MAX_WAITING = 1024

type Go = () => void

/**
 * Bounds how long request work holds the event loop at a stretch.
 *
 * Under load, one poll phase ran every request whose bytes were in, each to its answer (a
 * cached verify never waits on I/O), so a turn of the loop lasted about connections × CPU per
 * request (25–30 ms at 64 connections) and every timer (the bus's heartbeat, leases, the usage
 * flush, a shutdown's deadline) waited as long. Invariants, enforced below:
 * - A request starts at once only while nothing waits and the stretch it joins has run under
 *   the budget (`admit`); its socket callback then runs its ticks and promises before the next
 *   socket's, so the next clock read counts them.
 * - Past the budget it waits, in arrival order, with an immediate of its own (`step`): Node
 *   runs each immediate's ticks and promises before the next immediate, so the clock read
 *   before each start counts all the work started before it. A step past the budget moves to
 *   the next turn (an immediate scheduled in the check phase runs after the next timers and
 *   poll); a new turn's first step starts one whatever the clock says (progress).
 * - A waiting request starts in the async context it arrived in (tracing, request context).
 * - At most `MAX_WAITING` wait; past that, requests start at once (see above).
 * The same work runs, in shorter turns with timers and I/O between them.
 */
export class TurnBudget {
  private waiting: (Go | undefined)[] = []
  private head = 0
  /** When the current stretch began; -1 between stretches. */
  private stretchStart = -1
  /** A step ran past the budget this turn: the rest follow it to the next turn. */
  private moved = false
  /** The next step opens a new turn's stretch and starts whatever the clock says. */
  private fresh = false

  constructor(
    private readonly budgetMs = TURN_BUDGET_MS,
    private readonly maxWaiting = MAX_WAITING,
  ) {}

  /** Requests waiting for a turn. */
  get queued(): number {
    return this.waiting.length - this.head
  }

  /** Runs `go` now when the current stretch has room (and nobody waits), later otherwise. */
  admit(go: Go): void {
    const now = performance.now()
    if (this.stretchStart < 0) this.openStretch(now)
    const waiting = this.queued
    if ((waiting === 0 && now - this.stretchStart < this.budgetMs) || waiting >= this.maxWaiting) return go()
    this.waiting.push(AsyncResource.bind(go))
    setImmediate(this.step)
  }

  /** A stretch opened in the poll phase goes on into the check phase after it; it ends when nobody waits there. */
  private openStretch(now: number): void {
    this.stretchStart = now
    setImmediate(this.endIfIdle)
  }

  private readonly endIfIdle = (): void => {
    if (this.queued === 0) this.stretchStart = -1
  }

  /** One waiting request's turn (one step per waiting request; they run in order). */
  private readonly step = (): void => {
    const now = performance.now()
    if (this.fresh) {
      this.fresh = false
      this.stretchStart = now
    } else if (this.moved || now - this.stretchStart >= this.budgetMs) {
      if (!this.moved) setImmediate(this.newTurn)
      this.moved = true
      setImmediate(this.step)
      return
    }
    this.startNext()
  }

  /** Scheduled ahead of the steps moved to the next turn. */
  private readonly newTurn = (): void => {
    this.moved = false
    this.fresh = true
  }

  /** Takes the first waiting request off the queue (its slot freed, the queue compacted now and then), then starts it. */
  private startNext(): void {
    const go = this.waiting[this.head]!
    this.waiting[this.head++] = undefined
    if (this.head === this.waiting.length) {
      this.waiting = []
      this.head = 0
      this.stretchStart = -1
    } else if (this.head >= this.maxWaiting) {
      this.waiting = this.waiting.slice(this.head)
      this.head = 0
    }
    go()
  }
}

/**
 * Puts the server's request handler (Fastify's) behind a turn budget, and exports how many
 * requests wait. Swapping the `request` listener keeps the server Fastify built (its options,
 * timeouts, close behaviour, extra bindings) as it is; Fastify's `serverFactory` would lose
 * the extra addresses a host name such as `localhost` resolves to (only the first is bound).
 * Those extra servers, which Fastify builds at listen time, answer without the budget.
 */
export function installTurnBudget(server: Server, registry: Registry, budget = new TurnBudget()): TurnBudget {
  const handlers = server.listeners('request') as RequestListener[]
  if (handlers.length !== 1) throw new Error(`expected one request handler, found ${handlers.length}`)
  const handler = handlers[0]!
  server.removeListener('request', handler)
  server.on('request', (req, res) => budget.admit(() => handler(req, res)))
  new Gauge({
    name: 'keyward_http_requests_waiting',
    help: 'Requests received and waiting for a turn of the event loop (the turn budget).',
    registers: [registry],
    collect() {
      this.set(budget.queued)
    },
  })
  return budget
}
