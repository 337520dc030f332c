import { canSeeOwner } from '../core/authz.js'
import type { Clock } from '../core/clock.js'
import { classifyKey, hashSecret } from '../core/key-format.js'
import { keyStatus, missingScopes } from '../core/policy.js'
import type { Principal } from '../core/types.js'
import type { VerifyCode, VerifyResult } from '../core/verify-result.js'
import type { KeyLookup, KeyRepository } from '../store/key-repository.js'
import type { KeyRateLimiter } from './rate-limiter.js'
import type { UsageRecorder } from './usage-recorder.js'
import type { VerifyCache } from './verify-cache.js'

export interface VerifyOptions {
  /** Scopes the key must hold. */
  scopes?: readonly string[]
  /** When set, keys this principal may not see answer NOT_FOUND (no probing across tenants). */
  viewer?: Principal
}

const statusCode = { revoked: 'REVOKED', disabled: 'DISABLED', expired: 'EXPIRED' } as const

/**
 * The hot path. Checksum first (no I/O), then the cache, then one indexed query;
 * rules are pure; side effects are a rate-limit counter, an atomic usage decrement
 * for usage-limited keys only, and a batched `last_used_at`. Never logs the key.
 */
export class Verifier {
  constructor(
    private readonly keys: KeyRepository,
    private readonly cache: VerifyCache,
    private readonly limiter: KeyRateLimiter,
    private readonly usage: UsageRecorder,
    private readonly clock: Clock,
  ) {}

  async lookup(secret: string): Promise<KeyLookup | null> {
    const hash = hashSecret(secret)
    let found = this.cache.get(hash)
    if (found === undefined) {
      found = (await this.keys.findByHash(hash)) ?? null
      this.cache.set(hash, found)
    }
    return found
  }

  async verify(secret: string, opts: VerifyOptions = {}): Promise<VerifyResult & { lookup?: KeyLookup }> {
    if (classifyKey(secret).kind === 'malformed') return { valid: false, code: 'MALFORMED' }
    const found = await this.lookup(secret)
    if (!found || (opts.viewer && !canSeeOwner(opts.viewer, found.owner))) return { valid: false, code: 'NOT_FOUND' }
    const { key } = found
    const now = this.clock.now()
    const base = { keyId: key.id, owner: found.owner, scopes: key.scopes, meta: key.meta, expiresAt: key.expiresAt, lookup: found }
    const refuse = (code: VerifyCode, extra: Partial<VerifyResult> = {}) => ({ ...base, valid: false, code, ...extra })

    const status = keyStatus(key, now)
    if (status !== 'active') return refuse(statusCode[status])
    // A rolled-away secret lives on only for its grace period.
    if (found.matchedPrevious && !(found.previousHashExpiresAt && Date.parse(found.previousHashExpiresAt) > now.getTime())) {
      return refuse('EXPIRED')
    }
    if (opts.scopes && missingScopes(key.scopes, opts.scopes).length > 0) return refuse('INSUFFICIENT_SCOPES')

    let ratelimit: VerifyResult['ratelimit']
    if (key.rateLimit) {
      const r = await this.limiter.consume(key.id, key.rateLimit.limit, key.rateLimit.window_s)
      ratelimit = r.state
      if (!r.allowed) return refuse('RATE_LIMITED', { ratelimit })
    }
    let remaining: number | null = null
    if (key.remaining !== null) {
      remaining = await this.keys.consumeUse(key.id, now, key.refill)
      if (remaining === null) return refuse('USAGE_EXCEEDED', { remaining: 0, ratelimit })
    }
    this.usage.touch(key.id, now)
    return { ...base, valid: true, code: 'VALID', remaining, ratelimit }
  }
}
