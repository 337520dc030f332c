import { AsyncResource } from 'node:async_hooks'
import type { RequestListener, Server } from 'node:http'
import { Gauge, type Registry } from 'prom-client'
import { heldBack } from './client-errors.js'

/** How long the starts of request work may run at a stretch before timers and I/O get a turn. */
export const TURN_BUDGET_MS = 1

/**
 * At most this many requests wait: past it, each arrival starts the oldest waiting one at once.
 * A pipelining client's requests are parsed as fast as they are read; answered, they fill the
 * socket's write buffer and Node stops reading it (its own flood guard), so the queue must not
 * grow with every read. Starting the oldest (not the arrival, which would leave the full queue
 * to one start per turn: seconds of wait for a thousand connections) keeps arrival order.
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
 * - Past it, requests wait in arrival order, and start from the check phase of the next turn
 *   (`drain`: the first one whatever the clock says, for progress; then more, one per
 *   microtask, while the time since the previous check phase's clock was read stays under the
 *   budget; the rest wait for the turn after). That time counts the previous turn's deferred
 *   work, this turn's timers and poll, and each start's synchronous part and the promises it
 *   queued at once, not what it deferred to a tick (a verify's body read, its handler and
 *   answer), which runs after the chain in the same turn. So a turn starts one or a few when
 *   the turn before was busy, more when it was not; a check phase of verifies lasts at most
 *   about two budgets, one of a route whose work is mostly deferred longer (unbounded in
 *   principle: the budget is then counted in starts). Chosen over schedules that count every
 *   start's whole work (one immediate per waiting request; a clock restarted at each check
 *   phase; one start per turn): each cost 1.1–1.4× the server CPU per verify of no budget at
 *   all, this one 0.55–0.75× (DESIGN.md, "HTTP hot path" 6, with what is and is not
 *   understood of why).
 * - Waiting requests start in the context the budget was made in (`root`), not in that of
 *   whichever request opened the stretch (with tracing on, another client's span).
 * - At most `MAX_WAITING` wait (see there).
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
    if (waiting === 0 && now - this.stretchStart < this.budgetMs) return go()
    this.waiting.push(go)
    // At the cap, an arrival starts the oldest waiting request: the queue moves at least as fast as requests come.
    if (waiting >= this.maxWaiting) this.root.runInAsyncScope(() => this.startNext())
  }

  /** A stretch's clock; its drain runs in the check phase, after the poll phase that filled the queue. */
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
 * Those addresses feed this server (`bindings.ts`), so their requests pass the budget too.
 */
export function installTurnBudget(server: Server, registry: Registry, budget = new TurnBudget()): TurnBudget {
  const handlers = server.listeners('request') as RequestListener[]
  if (handlers.length !== 1) throw new Error(`expected one request handler, found ${handlers.length}`)
  const handler = handlers[0]!
  server.removeListener('request', handler)
  // A request whose connection ended while it waited is not started: its stream is destroyed, and
  // Fastify would wait on its body forever (no answer, no access-log line, a span never ended).
  // Nor is one read after the connection's refusal (`client-errors.ts`): it would run unanswered.
  server.on('request', (req, res) => heldBack(req) || budget.admit(() => req.destroyed || handler(req, res)))
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
