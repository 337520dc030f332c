import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible'
import { KeywardError } from '../../core/errors.js'
import type { KeyRateLimiter } from '../cluster/rate-limiter.js'

const HOUR_S = 3_600
/** Imports of one person running at once on a node: what a race past the budget check can add to it. */
export const IMPORTS_AT_ONCE = 4

/**
 * How many imports one person may have refused for a secret in use, per hour, counted in the
 * cluster's shared limiter store (so N nodes allow what one does).
 *
 * Why: hashes are unique across tenants, so a refused import tells its caller that a secret is
 * held somewhere (`KeyImporter`, "no existence oracle" in DESIGN.md: the answer names no holder,
 * but refusing cannot be avoided). Unthrottled, a caller with `keys:write` could test guessable
 * secrets 1,000 a call, where the verify endpoint spends a budget per unknown key.
 *
 * Invariants, enforced here (the budget's subject is chosen by `KeyImporter.personOf`):
 * - the budget is checked before any secret of the call is looked up, and a spent budget is a 429
 *   for every import of that person, whatever it holds: the answer no longer depends on what exists;
 * - only a refusal is counted, after it happened, and nothing is ever given back: a counter that
 *   only grows cannot be saved up across windows (a give-back landing in the next hour's window
 *   made it start below zero: found by an attacker), and imports that succeed cost nothing;
 * - a race past the check is bounded: at most `IMPORTS_AT_ONCE` imports of a person run at once on
 *   a node (more are a 429 at once), so the budget is exceeded by at most that many per node.
 */
export class ImportRefusals {
  private readonly counter: RateLimiterAbstract | null
  private readonly running = new Map<string, number>()

  constructor(
    limiter: KeyRateLimiter,
    private readonly perHour: number,
  ) {
    this.counter = perHour > 0 ? limiter.counter('import-refusals', perHour, HOUR_S) : null
  }

  /** Runs `call` for `person` unless its budget is spent or it runs too many at once (429); counts a refusal. */
  async guard<T>(person: string, call: () => Promise<T>, isRefusal: (e: unknown) => boolean): Promise<T> {
    if (!this.counter) return call()
    const running = this.running.get(person) ?? 0
    if (running >= IMPORTS_AT_ONCE) throw limited(`at most ${IMPORTS_AT_ONCE} imports at once`, 1)
    this.running.set(person, running + 1)
    try {
      await this.requireBudget(person)
      return await call()
    } catch (e) {
      if (isRefusal(e)) await this.counter.penalty(person, 1)
      throw e
    } finally {
      this.release(person)
    }
  }

  private async requireBudget(person: string): Promise<void> {
    const used = await this.counter!.get(person)
    if (used && used.consumedPoints >= this.perHour)
      throw limited('too many imports were refused for secrets in use', seconds(used))
  }

  private release(person: string): void {
    const n = this.running.get(person)! - 1
    if (n === 0) this.running.delete(person)
    else this.running.set(person, n)
  }
}

const seconds = (r: RateLimiterRes) => Math.max(1, Math.ceil(r.msBeforeNext / 1000))

const limited = (why: string, retryAfterS: number) =>
  new KeywardError('rate_limited', `${why}; try again later`, { retryAfterS })
