import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import type { RateLimitState } from '../../core/verify-result.js'
import { type LimitCheck, type LimitCounters, type LimitOutcome, MemoryLimitCounters } from './limit-counters.js'

/**
 * Per-key request limits. One implementation per backend (memory on one node;
 * Redis or PostgreSQL shared by every node), all passing the same contract suite.
 */
export interface KeyRateLimiter {
  readonly kind: 'memory' | 'redis' | 'postgres'
  /**
   * Checks a verification's named limits (its key's and its identity's) as one step: all are
   * charged their cost, or, when any would be exceeded, none is (no partial consumption).
   */
  consumeAll(checks: readonly LimitCheck[]): Promise<LimitOutcome>
  /** The same, for a named subject that is not a key (`leak-report:<ip>`); its own counters, shared like keys'. */
  consumeFor(subject: string, limit: number, windowS: number): Promise<{ allowed: boolean; state: RateLimitState }>
  /**
   * A named counter of `points` per `windowS` in the same store (shared by every node when
   * the store is), for limits that are not per key: login throttling. One per name.
   */
  counter(name: string, points: number, windowS: number): RateLimiterAbstract
  /** Releases connections the limiter opened. */
  close(): Promise<void>
}

/** Makes the rate-limiter-flexible limiter for one (limit, window) pair. */
export type LimiterFactory = (limit: number, windowS: number, keyPrefix: string) => RateLimiterAbstract

/**
 * A KeyRateLimiter over rate-limiter-flexible: one limiter per distinct (limit, window),
 * so a key whose limit changes starts a fresh window under its new limit.
 */
export class FlexibleKeyRateLimiter implements KeyRateLimiter {
  private readonly limiters = new Map<string, RateLimiterAbstract>()
  /** Named limits fall back to these per-node counters while the shared store is away, like the other limiters. */
  private readonly fallback = new MemoryLimitCounters()

  constructor(
    readonly kind: KeyRateLimiter['kind'],
    private readonly make: LimiterFactory,
    private readonly onClose: () => Promise<void> = async () => {},
    private readonly counters: LimitCounters | null = null,
  ) {}

  async consumeAll(checks: readonly LimitCheck[]): Promise<LimitOutcome> {
    if (!this.counters) return this.fallback.consumeAllSync(checks)
    try {
      return await this.counters.consumeAll(checks)
    } catch {
      return this.fallback.consumeAllSync(checks) // verification keeps working; limits hold per node meanwhile
    }
  }

  private limiterFor(limit: number, windowS: number): RateLimiterAbstract {
    return this.counter(`${limit}/${windowS}`, limit, windowS)
  }

  async consumeFor(
    subject: string,
    limit: number,
    windowS: number,
  ): Promise<{ allowed: boolean; state: RateLimitState }> {
    const l = this.limiterFor(limit, windowS)
    try {
      const r = await l.consume(subject)
      return { allowed: true, state: toState(limit, r) }
    } catch (e) {
      if (e instanceof RateLimiterRes) return { allowed: false, state: toState(limit, e) }
      throw e
    }
  }

  counter(name: string, points: number, windowS: number): RateLimiterAbstract {
    let l = this.limiters.get(name)
    if (!l) {
      l = this.make(points, windowS, `kw:${name}`)
      this.limiters.set(name, l)
    }
    return l
  }

  close(): Promise<void> {
    return this.onClose()
  }
}

/** In-process limiter: exact on one node. */
export class MemoryKeyRateLimiter extends FlexibleKeyRateLimiter {
  constructor() {
    super('memory', (points, duration, keyPrefix) => new RateLimiterMemory({ points, duration, keyPrefix }))
  }
}

function toState(limit: number, r: RateLimiterRes): RateLimitState {
  return {
    limit,
    remaining: Math.max(0, r.remainingPoints),
    reset_at: new Date(Date.now() + r.msBeforeNext).toISOString(),
  }
}
