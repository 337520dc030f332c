import { type Clock, epochMs } from '../../core/clock.js'
import { hasKeyLength, hashSecret, isWellFormedKey } from '../../core/key-format.js'
import { secretEnd } from '../../core/key-view.js'
import { keyStatusAt } from '../../core/policy.js'
import type { CallContext } from '../../core/restrictions.js'
import type { Owner, Principal } from '../../core/types.js'
import type { VerifyCode, VerifyResult } from '../../core/verify-result.js'
import type { KeyLookup, KeyRepository } from '../../store/key-repository.js'
import { SYNC_SAMPLE_EVERY, type VerifyMeter } from '../metrics/metrics.js'
import { type LimitRequest, LimitStep, type LimitVerdict, assertCharge } from '../policies/limit-step.js'
import { type PreparedAnswer, admits, holdsScopes, prepareAnswer, seenBy } from './prepared-answer.js'
import type { UnknownKeyBudget } from './unknown-key-budget.js'
import type { UsageRecorder } from './usage-recorder.js'
import type { VerifyCache } from './verify-cache.js'

export interface VerifyOptions extends LimitRequest {
  /** Scopes the key must hold. */
  scopes?: readonly string[]
  /** When set, keys this principal may not see answer NOT_FOUND (no probing across tenants). */
  viewer?: Principal
  /** Where the call comes from; a key with restrictions is refused (FORBIDDEN_CONTEXT) when it does not match or is missing. */
  context?: CallContext
}

/** A verification's answer; `lookup` (the cached key, for bearer authentication) is set for known keys. */
export type Verified = VerifyResult & { lookup?: KeyLookup }

const NO_OPTIONS: VerifyOptions = Object.freeze({})

const statusCode = { revoked: 'REVOKED', disabled: 'DISABLED', expired: 'EXPIRED' } as const

/**
 * The hot path. The cache first, then the checksum (no I/O) on a miss, then one indexed query;
 * rules are pure; side effects are a rate-limit counter, an atomic usage decrement
 * for usage-limited keys only, a batched `last_used_at` and batched per-day counters.
 * Never logs the key.
 */
export class Verifier {
  constructor(
    private readonly keys: KeyRepository,
    private readonly cache: VerifyCache,
    private readonly limits: LimitStep,
    private readonly usage: UsageRecorder,
    private readonly clock: Clock,
    /** Answers, cache hits and rate-limit decisions, counted for `/metrics` (`services/metrics`). */
    private readonly meter: VerifyMeter,
    /** NOT_FOUND answers per viewer (the HTTP verify endpoint); null: no viewer is throttled. */
    private readonly unknownKeys: UnknownKeyBudget | null = null,
    /**
     * Whether answers carry `lookup`, the cache's entry (the holder's role and user id, the
     * compiled restrictions): the server's bearer authentication reads it; an application given
     * an embedded verifier's answer must not (it echoed `req.apiKey` whole: a new user's find).
     * Undefined, not absent, so every answer keeps one shape on the hot path.
     */
    private readonly answersLookup = true,
  ) {}

  /** The key a secret belongs to (or null), from the cache or one query; a malformed secret is none. */
  lookup(secret: string): Promise<KeyLookup | null> {
    return isWellFormedKey(secret) ? this.lookupHash(hashSecret(secret)) : Promise.resolve(null)
  }

  /**
   * The key whose current or grace-period hash this is (or null), from the cache or one
   * query: how a session checks that the secret it was opened with still verifies.
   */
  lookupHash(hash: string): Promise<KeyLookup | null> {
    const cached = this.cache.get(hash) // null: known to be unknown
    return cached === undefined ? this.query(hash) : Promise.resolve(cached)
  }

  /**
   * One query; an answer whose hash was invalidated while it ran is returned but not cached.
   * Only hashes of well-formed secrets get here, so only they are cached, and a cache hit proves
   * its secret well formed (`probe`): `verify` checks the shape before it queries, `lookup` too,
   * and `lookupHash` takes the hash of a secret that verified when its session was opened.
   */
  private async query(hash: string): Promise<KeyLookup | null> {
    const version = this.cache.version
    return this.cache.set(hash, (await this.keys.findByHash(hash)) ?? null, version)
  }

  /**
   * One use of a key by a credential derived from it (a session opened with the key): its limits
   * and credits, taken as a verification with no options takes them (auto-applied limits, cost 1),
   * so a session does no more than its key could (DESIGN.md, "Sessions record their origin"). A key
   * with neither answers VALID with no I/O. Counted in the key's usage by outcome and moving its
   * `last_used_at`, as a verification: else the budget drained with no use on record, and a key
   * used only through its session looked idle (and `key.idle` fired).
   */
  useDerived(found: KeyLookup): Promise<LimitVerdict> {
    const nowMs = epochMs(this.clock)
    if (!LimitStep.needsIo(found, NO_OPTIONS)) return Promise.resolve(this.used(found, NO_LIMITS, nowMs))
    return this.limits.apply(found, NO_OPTIONS, new Date(nowMs)).then((v) => this.used(found, v, nowMs))
  }

  /** A derived use's outcome, counted as `accept`, `refuse` and `check` count a verification's (usage, metrics). */
  private used(found: KeyLookup, v: LimitVerdict, nowMs: number): LimitVerdict {
    this.meterLimits(v)
    if (v.code === 'VALID') this.usage.touch(found.key.id, nowMs)
    this.usage.count(found.key.id, v.code, nowMs)
    return v
  }

  /**
   * Verifies a presented key: the synchronous answer when there is one (`verifySync`), else
   * the cache miss's query, the rate limiter and the usage decrement. Outcomes are counted per
   * key and day (secrets that match no key, or one the viewer may not see, count for nobody).
   */
  verify(secret: string, opts: VerifyOptions = NO_OPTIONS): Promise<Verified> {
    try {
      assertCharge(opts)
      // Synchronous answers are timed one in SYNC_SAMPLE_EVERY, like `verifySync`'s: two clock
      // reads cost about a third of a cached verification (issue 11). The I/O path is always timed.
      const start = this.meter.sampledStart()
      const hash = hasKeyLength(secret) ? hashSecret(secret) : ''
      const slot = hash ? this.probe(secret, hash) : MALFORMED_SLOT
      if (slot === MALFORMED_SLOT) return Promise.resolve(this.meter.answered(MALFORMED, start, SYNC_SAMPLE_EVERY))
      this.meter.lookedUp(slot >= 0)
      const now = slot >= 0 ? this.fromCache(slot, opts) : undefined
      if (now !== undefined) return Promise.resolve(this.meter.answered(now, start, SYNC_SAMPLE_EVERY))
      const cached = slot >= 0 ? this.cache.lookupAt(slot) : undefined // a key whose limits need I/O
      const ioStart = performance.now()
      return this.check(hash, cached, opts).then((r) => this.meter.answered(r, ioStart))
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e))) // a promise-returning function never throws synchronously
    }
  }

  /**
   * The answer of `verify` when it needs no I/O, else `undefined` ("call `verify`"). Answers:
   * malformed keys; cached keys, known (every policy check: status, grace period, viewer, scopes)
   * or known-unknown (NOT_FOUND, spent from the viewer's budget). `undefined`: not cached; a key
   * that passes every check but has a usage limit (atomic decrement in the database) or a rate
   * limit (the limiter's store). Side effects (usage counts, the budget) happen only when it
   * answers, so `verify` after `undefined` counts once. Reads the cache at call time: an
   * invalidation evicts synchronously, so the next call cannot see the stale entry.
   */
  verifySync(secret: string, opts: VerifyOptions = NO_OPTIONS): Verified | undefined {
    assertCharge(opts)
    const start = this.meter.sampledStart()
    const slot = hasKeyLength(secret) ? this.probe(secret, hashSecret(secret)) : MALFORMED_SLOT
    if (slot === MALFORMED_SLOT) return this.meter.answered(MALFORMED, start, SYNC_SAMPLE_EVERY)
    const now = slot >= 0 ? this.fromCache(slot, opts) : undefined
    if (now === undefined) return undefined // counted by the `verify` that follows
    this.meter.lookedUp(true)
    return this.meter.answered(now, start, SYNC_SAMPLE_EVERY)
  }

  /**
   * The cache slot of a secret of plausible length (`VerifyCache.slotOf`), MISS, or MALFORMED_SLOT.
   * The cache is probed before the checksum: it holds only hashes of well-formed secrets (`query`),
   * so a hit proves the shape and the checksum (a sixth of a cache hit's cost, issue 11) runs on
   * misses only.
   */
  private probe(secret: string, hash: string): number {
    const slot = this.cache.slotOf(hash)
    return slot >= 0 || isWellFormedKey(secret) ? slot : MALFORMED_SLOT
  }

  /**
   * The answer of the entry in cache slot `slot`, or undefined when a limit needs the limiter's
   * store or the database. From the entry's prepared answer when it admits the call, else by every
   * check, preparing the answer after the entry's first VALID (`prepared-answer.ts`).
   */
  private fromCache(slot: number, opts: VerifyOptions): Verified | undefined {
    const nowMs = epochMs(this.clock)
    const prepared = this.cache.preparedAt(slot)
    if (prepared && admits(prepared, opts, nowMs)) return this.acceptPrepared(prepared, nowMs, slot)
    const found = this.cache.lookupAt(slot)
    const refused = this.policy(found, opts, nowMs)
    if (refused) return refused
    if (LimitStep.needsIo(found!, opts)) return undefined
    if (prepared === undefined) this.cache.prepare(slot, prepareAnswer(found!, nowMs))
    return this.accept(found!, nowMs, NO_LIMITS, slot)
  }

  /** VALID from a prepared answer: counted by cache slot, as `accept` counts a cached key. */
  private acceptPrepared(p: PreparedAnswer, nowMs: number, slot: number): Verified {
    this.usage.hit(slot, p.keyId, nowMs)
    return this.answer(p, p.expiresAt, NO_LIMITS, p.lookup)
  }

  /** A refusal of a known key, counted in its usage. */
  private refuse(found: KeyLookup, nowMs: number, code: VerifyCode, limits?: LimitVerdict) {
    this.usage.count(found.key.id, code, nowMs)
    return refusal(found, code, limits, this.answersLookup)
  }

  /**
   * NOT_FOUND, spent from the caller's budget. Once it is empty every would-be NOT_FOUND
   * answers RATE_LIMITED, cached or not, so the answer never tells which keys are cached.
   */
  private notFound(caller: number | null): VerifyResult {
    if (caller === null) return NOT_FOUND
    if (!this.unknownKeys!.allows(caller)) return this.callerThrottled(caller)
    this.unknownKeys!.spend(caller)
    return NOT_FOUND
  }

  /** The caller's NOT_FOUND budget is spent: about no key, so no key fields and no usage count. */
  private callerThrottled(caller: number): VerifyResult {
    return { valid: false, code: 'RATE_LIMITED', ratelimit: this.unknownKeys!.state(caller) }
  }

  /** The I/O path: `verifySync` had no answer. */
  private async check(hash: string, cached: KeyLookup | null | undefined, opts: VerifyOptions): Promise<Verified> {
    const caller = this.callerOf(opts)
    let found = cached
    if (found === undefined) {
      // A caller out of NOT_FOUND answers gets no query for a key that is not cached.
      if (caller !== null && !this.unknownKeys!.allows(caller)) return this.callerThrottled(caller)
      found = await this.query(hash)
    }
    const now = this.clock.now()
    const refused = this.policy(found, opts, now.getTime())
    if (refused) return refused
    const limits = await this.limits.apply(found!, opts, now)
    this.meterLimits(limits)
    if (limits.code !== 'VALID') return this.refuse(found!, now.getTime(), limits.code, limits)
    return this.accept(found!, now.getTime(), limits)
  }

  /** Counts a rate-limit decision in /metrics when limits were checked (a refusal for credits is not one). */
  private meterLimits(v: LimitVerdict): void {
    if (v.ratelimits.length > 0 || v.code === 'RATE_LIMITED') this.meter.rateLimited(v.code !== 'RATE_LIMITED')
  }

  private callerOf(opts: VerifyOptions): number | null {
    return this.unknownKeys && opts.viewer ? opts.viewer.owner.actorId : null
  }

  /**
   * The refusal that needs no I/O (unknown, not the viewer's, revoked, disabled, expired, a
   * rolled-away secret past its grace period, a context its restrictions refuse, missing scopes), or null when the key passes them.
   */
  private policy(found: KeyLookup | null, opts: VerifyOptions, nowMs: number): Verified | null {
    if (!found || !seenBy(opts, found.owner)) return this.notFound(this.callerOf(opts))
    const { key } = found
    const status = keyStatusAt(key, nowMs)
    if (status !== 'active') return this.refuse(found, nowMs, statusCode[status])
    // A rolled-away secret lives on only for its grace period.
    if (found.matchedPrevious && !(found.previousHashExpiresAt && Date.parse(found.previousHashExpiresAt) > nowMs)) {
      return this.refuse(found, nowMs, 'EXPIRED')
    }
    // Compiled with the cached entry: only the call's own address and origin are parsed here.
    if (found.contextRule && !found.contextRule.allows(opts.context))
      return this.refuse(found, nowMs, 'FORBIDDEN_CONTEXT')
    if (!holdsScopes(opts, key.scopes)) return this.refuse(found, nowMs, 'INSUFFICIENT_SCOPES')
    return null
  }

  /** VALID: counted, `last_used_at` batched; by cache slot when answered from the cache (`slot` ≥ 0). */
  private accept(found: KeyLookup, nowMs: number, limits: LimitVerdict, slot = MISS): Verified {
    const { key } = found
    if (slot >= 0) this.usage.hit(slot, key.id, nowMs)
    else {
      this.usage.touch(key.id, nowMs)
      this.usage.count(key.id, 'VALID', nowMs)
    }
    const end = secretEndOf(found)
    const answer = this.answer(
      { keyId: key.id, owner: found.owner, scopes: key.scopes, meta: key.meta },
      end,
      limits,
      found,
    )
    if (limits.ratelimits.length > 0) answer.ratelimits = limits.ratelimits
    if (found.matchedPrevious && end !== null) answer.graceEndsAt = end // said as such, not only as an expiry
    return answer
  }

  /** A VALID answer's fields, one shape for every VALID answer (a fresh object: callers may keep or change it). */
  private answer(k: AnswerFields, end: string | null, limits: LimitVerdict, found: KeyLookup): Verified {
    // A plain literal, no spread: a spread builds the object in the runtime, several times slower.
    return {
      valid: true,
      code: 'VALID',
      keyId: k.keyId,
      owner: k.owner,
      scopes: k.scopes,
      meta: k.meta,
      expiresAt: end,
      remaining: limits.remaining,
      ratelimit: limits.ratelimit,
      lookup: this.answersLookup ? found : undefined,
    }
  }
}

/** What every VALID answer says of its key. */
type AnswerFields = { keyId: number; owner: Owner; scopes: string[]; meta: Record<string, unknown> }

/** `probe`'s answers besides a cache slot: not cached, and a secret that cannot be a key. */
const MISS = -1
const MALFORMED_SLOT = -2

// Shared, frozen answers for refusals that carry nothing about a key.
const MALFORMED: VerifyResult = Object.freeze({ valid: false, code: 'MALFORMED' })
const NOT_FOUND: VerifyResult = Object.freeze({ valid: false, code: 'NOT_FOUND' })

/** No limit checked, no budget: a key answered from the cache. */
const NO_LIMITS: LimitVerdict = Object.freeze({ code: 'VALID', remaining: null, ratelimits: [], ratelimit: undefined })

/**
 * When the secret a lookup matched stops working: a rolled-away secret's answers say its grace end
 * when that comes before the key's expiry, or an integrator caching an answer until `expires_at`
 * (null: for ever) keeps accepting a secret the roll ended. The current secret's answer costs one
 * branch; a Realm session opened with the secret ends its tokens by it.
 */
export const secretEndOf = (found: KeyLookup): string | null =>
  found.matchedPrevious ? secretEnd(found.key.expiresAt, found.previousHashExpiresAt) : found.key.expiresAt

function refusal(found: KeyLookup, code: VerifyCode, limits: LimitVerdict | undefined, withLookup: boolean): Verified {
  const { key } = found
  const end = secretEndOf(found)
  return {
    valid: false,
    code,
    keyId: key.id,
    owner: found.owner,
    scopes: key.scopes,
    meta: key.meta,
    expiresAt: end,
    ...(found.matchedPrevious && end !== null && { graceEndsAt: end }),
    ...(limits && { remaining: limits.remaining }),
    ...(limits?.ratelimit && { ratelimit: limits.ratelimit }),
    ...(limits && limits.ratelimits.length > 0 && { ratelimits: limits.ratelimits }),
    lookup: withLookup ? found : undefined,
  }
}
