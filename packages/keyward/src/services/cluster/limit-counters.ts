import type { RateLimitState } from '../../core/verify-result.js'

/** One limit to check in a verification: `cost` credits against `limit` per `windowS` on `counter`. */
export interface LimitCheck {
  /** The counter's name, unique per (subject, limit name, limit, window): a changed limit starts afresh. */
  counter: string
  /**
   * The subject every check of one verification shares: its identity's when the key has one,
   * else the key's. Redis stores a call's counters under this hash tag, so one script touches
   * one Redis Cluster slot (a key linked to another identity starts its own windows afresh).
   */
  group: string
  limit: number
  windowS: number
  cost: number
}

/** The outcome of checking several limits at once: each one's state, in the order asked. */
export interface LimitOutcome {
  allowed: boolean
  states: RateLimitState[]
}

/**
 * Fixed-window counters that check several limits as one step: either every limit has room
 * for its cost and all are charged, or none is charged (no partial consumption). One
 * implementation per store (this file: one process; `-redis`: a Lua script; `-postgres`: a
 * transaction), all passing `test/cluster/limit-counters.test.ts`.
 */
export interface LimitCounters {
  consumeAll(checks: readonly LimitCheck[]): Promise<LimitOutcome>
}

/** A counter's value and when its window ends (ms since the epoch). */
export interface Window {
  used: number
  resetAt: number
}

/**
 * The pure decision every implementation makes on the windows it read (expired windows
 * already reset): all allowed when every check fits, then each window's new value.
 */
export function decide(checks: readonly LimitCheck[], windows: readonly Window[]): LimitOutcome & { next: Window[] } {
  const allowed = checks.every((c, i) => windows[i]!.used + c.cost <= c.limit)
  const next = windows.map((w, i) => (allowed ? { used: w.used + checks[i]!.cost, resetAt: w.resetAt } : w))
  return { allowed, next, states: next.map((w, i) => stateOf(checks[i]!, w)) }
}

function stateOf(c: LimitCheck, w: Window): RateLimitState {
  return {
    limit: c.limit,
    remaining: Math.max(0, c.limit - w.used),
    reset_at: new Date(w.resetAt).toISOString(),
  }
}

/** A window as read at `now`: an expired or missing one starts now with nothing used. */
export function current(w: Window | undefined, windowS: number, now: number): Window {
  return w && w.resetAt > now ? w : { used: 0, resetAt: now + windowS * 1000 }
}

/** Counters in this process: exact on one node, and the fallback of the shared ones while their store is away. */
export class MemoryLimitCounters implements LimitCounters {
  private readonly windows = new Map<string, Window>()
  private sweepAt = SWEEP_AT

  consumeAll(checks: readonly LimitCheck[]): Promise<LimitOutcome> {
    return Promise.resolve(this.consumeAllSync(checks))
  }

  /** The same, synchronously: a read and a write of one Map with no await between them, so nothing interleaves. */
  consumeAllSync(checks: readonly LimitCheck[]): LimitOutcome {
    const now = Date.now()
    if (this.windows.size > this.sweepAt) this.sweep(now)
    const r = decide(
      checks,
      checks.map((c) => current(this.windows.get(c.counter), c.windowS, now)),
    )
    if (r.allowed) checks.forEach((c, i) => this.windows.set(c.counter, r.next[i]!))
    return { allowed: r.allowed, states: r.states }
  }

  /** Drops ended windows, so memory follows the keys used recently rather than every key ever used. */
  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k)
    this.sweepAt = Math.max(SWEEP_AT, this.windows.size * 2) // live windows alone never trigger a sweep per call
  }
}

const SWEEP_AT = 100_000
