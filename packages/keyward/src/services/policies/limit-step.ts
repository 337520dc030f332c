import { DEFAULT_LIMIT } from '../../core/limits.js'
import type { NamedLimit } from '../../core/types.js'
import type { RateLimitState, VerifyCode } from '../../core/verify-result.js'
import type { IdentityRepository } from '../../store/identity-repository.js'
import type { TakenCredits } from '../../store/credits.js'
import type { KeyLookup, KeyRepository } from '../../store/key-repository.js'
import type { LimitCheck } from '../cluster/limit-counters.js'
import type { KeyRateLimiter } from '../cluster/rate-limiter.js'

/** The largest cost one verification may take (the verify endpoint's schema holds callers to it too). */
export const MAX_COST = 1_000_000_000

/**
 * Refuses (RangeError) a request whose costs are not integers in 0…MAX_COST. Enforced by the
 * verifier for every caller — HTTP schema, middlewares and an app calling `createVerifier()`
 * directly: a negative cost would give credits back (or widen a window), a fraction would store a
 * fractional `remaining`. A bad cost is the caller's bug, not a key's refusal, hence an error.
 */
export function assertCharge(req: LimitRequest): void {
  if (req.cost !== undefined && !isCost(req.cost)) throw badCost('cost', req.cost)
  if (req.ratelimits === undefined) return
  for (const l of req.ratelimits)
    if (l.cost !== undefined && !isCost(l.cost)) throw badCost(`cost of "${l.name}"`, l.cost)
}

const isCost = (c: number): boolean => Number.isInteger(c) && c >= 0 && c <= MAX_COST
const badCost = (what: string, c: unknown) =>
  new RangeError(`keyward verify: the ${what} must be an integer from 0 to ${MAX_COST}, got ${String(c)}`)

/** What a verification asks of the limits: named limits with a cost each, and the credits to take. */
export interface LimitRequest {
  /** Named limits to check besides the auto-applied ones, each with its cost (default 1, 0 allowed). */
  ratelimits?: readonly { name: string; cost?: number }[]
  /** Credits to take from `remaining` (the key's and its identity's), default 1; 0 checks without taking. */
  cost?: number
}

/** A limit checked by a verification, as answered. */
export interface CheckedLimit extends RateLimitState {
  name: string
  /** Whose limit it is: the key's own, or its identity's (shared by all its keys). */
  on: 'key' | 'identity'
}

/** The limits' verdict: VALID, or the refusal and what is known of the limits. */
export interface LimitVerdict {
  code: Extract<VerifyCode, 'VALID' | 'RATE_LIMITED' | 'USAGE_EXCEEDED'>
  remaining: number | null
  ratelimits: CheckedLimit[]
  /** The legacy single answer: the limit that refused, else the key's `default` (else the first checked). */
  ratelimit: RateLimitState | undefined
}

type NamedCheck = LimitCheck & { name: string; on: CheckedLimit['on'] }

/**
 * The limits step of verification (DESIGN.md, "Named limits and identities"): a key's named
 * limits and its identity's, checked as one step (all or nothing, in the limiter's store), then
 * credits, taken from the identity when it has them and from the key when it has them.
 * Keys with none of these never reach it (`needsIo` is false: no store round trip).
 */
export class LimitStep {
  constructor(
    private readonly limiter: KeyRateLimiter,
    private readonly keys: Pick<KeyRepository, 'consumeUse'>,
    private readonly identities: Pick<IdentityRepository, 'consumeUse' | 'refund'>,
  ) {}

  /** Whether verifying this key with this request touches a limit or a budget (else it is answered from the cache). */
  static needsIo(found: KeyLookup, req: LimitRequest): boolean {
    if (hasCredits(found)) return true
    if (!hasRateLimits(found)) return false
    return checksOf(found, req).length > 0
  }

  /** Whether no request can make verifying this key touch a limit or a budget: it has none, nor has its identity. */
  static isLimitless(found: KeyLookup): boolean {
    return !hasCredits(found) && !hasRateLimits(found)
  }

  /** Checks the limits, then the credits; nothing is taken from a limit when another refuses. */
  async apply(found: KeyLookup, req: LimitRequest, now: Date): Promise<LimitVerdict> {
    const checks = checksOf(found, req)
    let ratelimits: CheckedLimit[] = []
    if (checks.length > 0) {
      const r = await this.limiter.consumeAll(checks)
      ratelimits = r.states.map((s, i) => ({ name: checks[i]!.name, on: checks[i]!.on, ...s }))
      // Refused without charging: a limit that refused has fewer left than its cost.
      if (!r.allowed)
        return {
          code: 'RATE_LIMITED',
          remaining: null,
          ratelimits,
          ratelimit: r.states.find((s, i) => s.remaining < checks[i]!.cost),
        }
    }
    const ratelimit = legacyState(ratelimits)
    const remaining = await this.takeCredits(found, req.cost ?? 1, now)
    return remaining === undefined
      ? { code: 'USAGE_EXCEEDED', remaining: 0, ratelimits, ratelimit }
      : { code: 'VALID', remaining, ratelimits, ratelimit }
  }

  /**
   * Takes `cost` from the identity's credits and the key's (each atomic in SQL, never below zero);
   * when the key has too few, the identity's are given back. The smaller budget left is
   * answered (null: neither has one); undefined: refused.
   */
  private async takeCredits(found: KeyLookup, cost: number, now: Date): Promise<number | null | undefined> {
    const { key, identity } = found
    let taken: TakenCredits | null = null
    if (identity && identity.remaining !== null) {
      taken = await this.identities.consumeUse(identity.id, now, identity.refill, cost)
      if (taken === null) return undefined
    }
    const left = taken && taken.remaining
    if (key.remaining === null) return left
    const keyLeft = await this.keys.consumeUse(key.id, now, key.refill, cost)
    if (keyLeft === null) {
      if (taken) await this.identities.refund(identity!.id, cost, taken)
      return undefined
    }
    return left === null ? keyLeft : Math.min(left, keyLeft)
  }
}

function legacyState(list: CheckedLimit[]): RateLimitState | undefined {
  const l = list.find((c) => c.on === 'key' && c.name === DEFAULT_LIMIT) ?? list[0]
  return l && { limit: l.limit, remaining: l.remaining, reset_at: l.reset_at }
}

/**
 * The limits a verification checks, key's first then identity's, each in name order: every
 * auto-applied limit (cost 1 unless named), and every named one the request asks for. A
 * requested name neither has is not a limit of this key, and is not listed.
 */
function checksOf(found: KeyLookup, req: LimitRequest): NamedCheck[] {
  const asked = new Map((req.ratelimits ?? []).map((r) => [r.name, r.cost ?? 1]))
  const out: NamedCheck[] = []
  // One slot group per call (see LimitCheck.group): the identity's counters are the same keys for all its keys.
  const group = found.identity ? `i${found.identity.id}` : `k${found.key.id}`
  const add = (on: NamedCheck['on'], id: number, list: readonly NamedLimit[]) => {
    for (const l of list) {
      const cost = asked.get(l.name) ?? (l.auto_apply ? 1 : undefined)
      if (cost === undefined) continue
      const counter = `${on === 'key' ? 'k' : 'i'}${id}:${l.name}:${l.limit}/${l.window_s}`
      out.push({ counter, group, limit: l.limit, windowS: l.window_s, cost, name: l.name, on })
    }
  }
  add('key', found.key.id, found.key.ratelimits)
  if (found.identity) add('identity', found.identity.id, found.identity.ratelimits)
  return out
}

const hasCredits = ({ key, identity }: KeyLookup): boolean =>
  key.remaining !== null || (!!identity && identity.remaining !== null)
const hasRateLimits = ({ key, identity }: KeyLookup): boolean =>
  key.ratelimits.length > 0 || (!!identity && identity.ratelimits.length > 0)
