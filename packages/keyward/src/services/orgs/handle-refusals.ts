import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible'
import { KeywardError } from '../../core/errors.js'
import type { Principal } from '../../core/types.js'
import type { KeyRateLimiter } from '../cluster/rate-limiter.js'

const HOUR_S = 3_600

/** The refusals `HandleRefusals` counts: a handle the caller asked for is taken, somewhere. */
const taken = new WeakSet<KeywardError>()

/** A 409 for a handle (or the fleet slugs it would give) that another organization or application holds. */
export function handleTaken(message: string): KeywardError {
  const e = new KeywardError('conflict', message, { details: { field: 'handle' } })
  taken.add(e)
  return e
}

/**
 * How many times one person may be told, per hour, that a handle they asked for (creating or renaming an
 * organization) is taken, counted in the cluster's shared limiter store (N nodes allow what one does).
 *
 * Why: handles are one namespace across tenants, and a personal organization's handle is its user's username,
 * the local part of their email. So a refusal tells its caller that some organization or some user exists
 * anywhere in the instance, which no other answer does (cross-tenant answers stay 404): a member enumerated
 * other tenants' users by name, unlimited (an attacker's find, `test/attack/handle-oracle`). Refusing cannot be
 * avoided (the handle is taken), so it is budgeted, as refusals of chosen secrets are (`chosen-secrets.ts`),
 * with the same number per hour (`KEYWARD_SECRET_REFUSALS_PER_HOUR`), counted apart.
 *
 * Invariants, enforced here:
 * - a call reserves one refusal before it writes (an atomic count), and gives it back unless it was refused
 *   as taken: calls at once cannot all pass a check made before any of them counts;
 * - a spent budget is a 429 for every handle that person asks for, taken or free: the answer stops depending
 *   on what exists; a free handle costs nothing once its call ends;
 * - the budget is a person's (the user responsible for the caller), not a credential's.
 */
export class HandleRefusals {
  private readonly counter: RateLimiterAbstract | null

  constructor(limiter: KeyRateLimiter, perHour: number) {
    this.counter = perHour > 0 ? limiter.counter('handle-refusals', perHour, HOUR_S) : null
  }

  /** Runs `write`, which asks for a handle, under the caller's person's budget. */
  async guard<T>(p: Principal, write: () => Promise<T>): Promise<T> {
    if (!this.counter) return write()
    const person = p.owner.userId > 0 ? `user:${p.owner.userId}` : `actor:${p.owner.actorId}`
    await this.reserve(this.counter, person)
    try {
      const done = await write()
      await this.counter.reward(person, 1)
      return done
    } catch (e) {
      if (!(e instanceof KeywardError && taken.has(e))) await this.counter.reward(person, 1)
      throw e
    }
  }

  private async reserve(counter: RateLimiterAbstract, person: string): Promise<void> {
    try {
      await counter.consume(person)
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e
      throw new KeywardError('rate_limited', 'too many handles asked for were taken; try again later', {
        retryAfterS: Math.max(1, Math.ceil(e.msBeforeNext / 1000)),
      })
    }
  }
}
