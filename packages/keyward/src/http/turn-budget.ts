import { AsyncResource } from 'node:async_hooks'
import type { RequestListener, Server } from 'node:http'
import { Gauge, type Registry } from 'prom-client'

/** How long the starts of request work may run at a stretch before timers and I/O get a turn. */
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
 *   the budget (`admit`): in the poll phase each socket's callback runs its ticks and promises
 *   before the next one's, so the clock read there counts whole requests.
 * - Past it, requests wait in arrival order. The check phase after starts them one per
 *   microtask (`drain`) while the stretch's clock allows; past it, the clock restarts there
 *   and the rest wait for the next turn (an immediate scheduled in the check phase runs after
 *   the next timers and poll), whose check phase starts at least one (progress) and more while
 *   that clock allows. Node runs ticks only once the microtasks are done, so there the clock
 *   counts each start's synchronous part (Fastify's routing and hooks up to the body read:
 *   about half a verify's CPU), not what it queued (its body, handler and answer), which runs
 *   after the chain in the same turn; the next turn's clock, begun before that work, counts
 *   it, so a turn of many starts is followed by one of a single start. A check-phase stretch
 *   of verifies lasts about two budgets, one of a route whose work is mostly deferred longer.
 *   Chosen over schedules that count every start's whole work (one immediate per waiting
 *   request; a clock restarted in each turn; one start per turn): each cost 1.1–1.4× the
 *   server CPU per verify of no budget at all, this one 0.55–0.75× (DESIGN.md, "HTTP hot
 *   path" 6, with what is and is not understood of why).
 * - Waiting requests start in the context the budget was made in (`root`), not in that of
 *   whichever request opened the stretch (with tracing on, another client's span).
 * - At most `MAX_WAITING` wait; past that, requests start at once (see above).
 */
export class TurnBudget {
  private waiting: (Go | undefined)[] = []
  private head = 0
  /** When the current stretch began; -1 between stretches. */
  private stretchStart = -1
  private readonly root = new AsyncResource('keyward.turn-budget')

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
    this.waiting.push(go)
  }

  /** A stretch opened in the poll phase goes on into the check phase after it. */
  private openStretch(now: number): void {
    this.stretchStart = now
    this.root.runInAsyncScope(() => setImmediate(() => this.drain(now, false)))
  }

  /** Starts waiting requests while the stretch has room; `fresh` (a turn of its own) starts one whatever it costs. */
  private drain(start: number, fresh: boolean): void {
    if (this.queued === 0) {
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
      this.startNext()
    } finally {
      // A start that throws (as it would have from its socket's callback) leaves the rest their turns.
      queueMicrotask(() => this.drain(start, false))
    }
  }

  /** Takes the first waiting request off the queue (its slot freed, the queue compacted now and then), then starts it. */
  private startNext(): void {
    const go = this.waiting[this.head]!
    this.waiting[this.head++] = undefined
    if (this.head === this.waiting.length) {
      this.waiting = []
      this.head = 0
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
