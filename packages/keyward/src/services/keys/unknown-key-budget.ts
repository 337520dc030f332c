import { LRUCache } from 'lru-cache'
import type { Clock } from '../../core/clock.js'
import type { RateLimitState } from '../../core/verify-result.js'

/** Callers whose budgets are remembered; the least recent beyond this start afresh (full). */
const MAX_CALLERS = 10_000

interface Bucket {
  tokens: number
  atMs: number
}

/**
 * How many NOT_FOUND answers each verifying caller (an owner actor) may still get from
 * the database: a token bucket of `burst` answers refilled at `ratePerS`, per node.
 *
 * Why: the key checksum is public, so anyone can make well-formed keys that do not exist,
 * and each new one misses the cache (its negative entry only helps when it comes again):
 * a flood of them was one database query per request. A caller whose bucket is empty gets
 * `RATE_LIMITED` for every key it may not see or that is not cached, without a query, until
 * the bucket refills. Its own cached keys still verify, and other callers are not affected.
 *
 * Why not a presence filter of existing hashes: a key created on another node would be
 * absent from this node's filter until the invalidation bus delivers it, and would answer
 * NOT_FOUND meanwhile. A budget never answers NOT_FOUND for a key it did not look up.
 */
export class UnknownKeyBudget {
  private readonly buckets = new LRUCache<number, Bucket>({ max: MAX_CALLERS })

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {}

  /** Whether `caller` may get another NOT_FOUND (so a cache miss may be looked up). */
  allows(caller: number): boolean {
    return this.refilled(caller).tokens >= 1
  }

  /** Counts one NOT_FOUND answer to `caller`. */
  spend(caller: number): void {
    const b = this.refilled(caller)
    b.tokens = Math.max(0, b.tokens - 1)
  }

  /** The state to show a refused caller: its budget, and when the next answer is allowed. */
  state(caller: number): RateLimitState {
    const b = this.refilled(caller)
    const waitMs = b.tokens >= 1 ? 0 : Math.ceil(((1 - b.tokens) * 1000) / this.ratePerS)
    return { limit: this.burst, remaining: Math.floor(b.tokens), reset_at: new Date(b.atMs + waitMs).toISOString() }
  }

  private refilled(caller: number): Bucket {
    const nowMs = this.clock.now().getTime()
    let b = this.buckets.get(caller)
    if (b === undefined) {
      b = { tokens: this.burst, atMs: nowMs }
      this.buckets.set(caller, b)
    } else if (nowMs > b.atMs) {
      b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.atMs) * this.ratePerS) / 1000)
      b.atMs = nowMs
    }
    return b
  }
}
