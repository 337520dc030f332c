import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible'
import { KeywardError } from '../../core/errors.js'
import type { KeyRateLimiter } from '../cluster/rate-limiter.js'

const HOUR_S = 3_600

/**
 * How many imports of one owner may be refused for a secret in use, per hour, counted in the
 * cluster's shared limiter store (so N nodes allow what one does).
 *
 * Why: hashes are unique across tenants, so a refused import tells its caller that a secret is
 * held somewhere (`KeyImporter`, "no existence oracle" in DESIGN.md: the answer names no holder,
 * but refusing cannot be avoided). Unthrottled, a caller with `keys:write` could test guessable
 * secrets 1,000 a call, where the verify endpoint spends a budget per unknown key.
 *
 * Invariants, enforced here and by `KeyImporter.import`:
 * - a call reserves one refusal before any of its secrets is looked up, and a spent budget is a
 *   429 for every import of that owner, whatever it holds: the answer no longer depends on what
 *   exists (concurrent calls cannot all pass a check made before any of them counted);
 * - a call that is not refused for a secret in use gives its reservation back, so imports that
 *   succeed, or fail for any other reason, are never throttled.
 */
export class ImportRefusals {
  private readonly counter: RateLimiterAbstract | null

  constructor(limiter: KeyRateLimiter, perHour: number) {
    this.counter = perHour > 0 ? limiter.counter('import-refusals', perHour, HOUR_S) : null
  }

  /** Reserves one refusal of `owner` (an actor id), or throws 429 `rate_limited`. */
  async reserve(owner: number): Promise<void> {
    try {
      await this.counter?.consume(String(owner))
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e
      throw new KeywardError('rate_limited', 'too many imports were refused for secrets in use; try again later', {
        retryAfterS: Math.max(1, Math.ceil(e.msBeforeNext / 1000)),
      })
    }
  }

  /** The call was not refused for a secret in use: its reservation is given back. */
  async giveBack(owner: number): Promise<void> {
    await this.counter?.reward(String(owner), 1)
  }
}
