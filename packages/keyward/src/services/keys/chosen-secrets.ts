import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible'
import { KeywardError } from '../../core/errors.js'
import type { KeyRepository } from '../../store/key-repository.js'
import type { AuditLog } from '../auth/audit-log.js'
import type { KeyRateLimiter } from '../cluster/rate-limiter.js'
import type { RequestContext } from '../context.js'

const HOUR_S = 3_600
/** Calls of one person running at once on a node: what a race past the budget check can add to it. */
export const CHOSEN_AT_ONCE = 32

/** Where a caller-chosen secret came in (named in the audit event of a refusal). */
export type ChosenVia = 'import' | 'device_key' | 'registration'

/**
 * How many times one person may have a secret of their choosing refused because a key holds it,
 * per hour, counted in the cluster's shared limiter store (so N nodes allow what one does). The
 * paths: an import (`KeyImporter`), a balena device key given its secret (`KeyService.insertChosen`
 * from the OData face), a device registering with its own key (`DeviceRegistration`).
 *
 * Why: hashes are unique across tenants, so such a refusal tells its caller that a secret is held
 * somewhere (the answer names no holder, but refusing cannot be avoided). Unthrottled, a caller
 * could test guessable secrets at will, where the verify endpoint spends a budget per unknown key
 * (DESIGN.md, "Refusals are budgeted"; attackers found the import path, then the balena ones).
 *
 * Invariants, enforced here:
 * - the budget is checked before the call looks any secret up, and a spent budget is a 429 for
 *   every such call of that person, whatever it holds: the answer stops depending on what exists;
 * - only a refusal (`secretInUse`) is counted, after it happened, and nothing is given back: a
 *   counter that only grows cannot be saved up across windows; calls that succeed cost nothing;
 * - the budget is a person's (`personOf`), never a credential owner's, which a member can multiply
 *   (applications, devices, organizations) or share with others (an organization's);
 * - a race past the check is bounded: at most `CHOSEN_AT_ONCE` calls of a person run at once on a
 *   node (more are a 429 at once), so the budget is exceeded by at most that many per node.
 */
export class ChosenSecrets {
  private readonly counter: RateLimiterAbstract | null
  private readonly running = new Map<string, number>()

  constructor(
    limiter: KeyRateLimiter,
    private readonly perHour: number,
    private readonly repo: KeyRepository,
    private readonly audit: AuditLog,
  ) {
    this.counter = perHour > 0 ? limiter.counter('secret-refusals', perHour, HOUR_S) : null
  }

  /** Runs `call` under the caller's person's budget; a refusal it ends in is counted and audited. */
  async guard<T>(ctx: RequestContext, via: ChosenVia, call: () => Promise<T>): Promise<T> {
    if (!this.counter) return call()
    const person = await this.personOf(ctx)
    const running = this.running.get(person) ?? 0
    if (running >= CHOSEN_AT_ONCE) throw limited(`at most ${CHOSEN_AT_ONCE} such calls at once`, 1)
    this.running.set(person, running + 1)
    try {
      await this.requireBudget(person)
      return await call()
    } catch (e) {
      if (isSecretInUse(e)) await this.refused(ctx, person, via, e)
      throw e
    } finally {
      this.release(person)
    }
  }

  /**
   * Whose budget a call spends: a session's user; for a key, the user who made it, through the keys
   * that made it (`makerUserOf`) — not `owner.userId` first, which for an application is its creator,
   * whose budget another member could then spend. When no maker can be traced (a key in the chain was
   * deleted), the owner's user: a user's own, an application's or device's creator, so provisioning
   * and device keys in the field keep working. An organization's key has none: it may not make these
   * calls, since a fresh budget per such key would be free (organizations are).
   */
  private async personOf(ctx: RequestContext): Promise<string> {
    const { via, keyId, owner } = ctx.principal
    const maker = via === 'key' && keyId !== null ? await this.repo.makerUserOf(keyId) : null
    const person = maker ?? (owner.userId > 0 ? owner.userId : null)
    if (person !== null) return `user:${person}`
    if (via === 'session') return `actor:${owner.actorId}`
    throw new KeywardError(
      'forbidden',
      'no person can be traced to this key (a key that made it was deleted), so it cannot bring a secret of its own; use a key made in a signed-in session',
    )
  }

  private async requireBudget(person: string): Promise<void> {
    const used = await this.counter!.get(person)
    if (used && used.consumedPoints >= this.perHour)
      throw limited('too many secrets were refused for being in use', seconds(used))
  }

  private async refused(ctx: RequestContext, person: string, via: ChosenVia, e: KeywardError): Promise<void> {
    await this.counter!.penalty(person, 1)
    const d = e.details as { field?: string } | { field?: string }[] | undefined
    const field = Array.isArray(d) ? d[0]?.field : d?.field
    const target = { type: 'api_key' as const, id: null, ownerActorId: ctx.principal.owner.actorId }
    await this.audit.record(ctx, 'key.secret_refused', target, { via, ...(field && { item: field }) })
  }

  private release(person: string): void {
    const n = this.running.get(person)! - 1
    if (n === 0) this.running.delete(person)
    else this.running.set(person, n)
  }
}

/** The refusals `ChosenSecrets` counts: a secret the caller chose is held by a key. */
const inUse = new WeakSet<KeywardError>()

/** A 409 for a chosen secret some key holds; `details` as the face needs them (never the holder). */
export function secretInUse(message: string, details?: unknown): KeywardError {
  const e = new KeywardError('conflict', message, details === undefined ? {} : { details })
  inUse.add(e)
  return e
}

export const isSecretInUse = (e: unknown): e is KeywardError => e instanceof KeywardError && inUse.has(e)

const seconds = (r: RateLimiterRes) => Math.max(1, Math.ceil(r.msBeforeNext / 1000))

const limited = (why: string, retryAfterS: number) =>
  new KeywardError('rate_limited', `${why}; try again later`, { retryAfterS })
