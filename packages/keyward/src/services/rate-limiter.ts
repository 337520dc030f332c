import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import type { RateLimitState } from '../core/verify-result.js'

/** Per-key request limits. One implementation per backend (memory now; Redis/PostgreSQL for clusters). */
export interface KeyRateLimiter {
  consume(keyId: number, limit: number, windowS: number): Promise<{ allowed: boolean; state: RateLimitState }>
}

/** In-process limiter: exact on one node. One rate-limiter-flexible instance per distinct (limit, window). */
export class MemoryKeyRateLimiter implements KeyRateLimiter {
  private readonly limiters = new Map<string, RateLimiterMemory>()

  private limiterFor(limit: number, windowS: number): RateLimiterMemory {
    const id = `${limit}/${windowS}`
    let l = this.limiters.get(id)
    if (!l) {
      l = new RateLimiterMemory({ points: limit, duration: windowS, keyPrefix: `kw:${id}` })
      this.limiters.set(id, l)
    }
    return l
  }

  async consume(keyId: number, limit: number, windowS: number): Promise<{ allowed: boolean; state: RateLimitState }> {
    const l = this.limiterFor(limit, windowS)
    try {
      const r = await l.consume(String(keyId))
      return { allowed: true, state: toState(limit, r) }
    } catch (e) {
      if (e instanceof RateLimiterRes) return { allowed: false, state: toState(limit, e) }
      throw e
    }
  }
}

function toState(limit: number, r: RateLimiterRes): RateLimitState {
  return { limit, remaining: Math.max(0, r.remainingPoints), reset_at: new Date(Date.now() + r.msBeforeNext).toISOString() }
}
