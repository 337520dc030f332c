import { canSeeOwner } from '../../core/authz.js'
import { keyStatusAt, missingScopes } from '../../core/policy.js'
import type { Owner, Principal } from '../../core/types.js'
import type { KeyLookup } from '../../store/key-repository.js'
import { LimitStep } from '../policies/limit-step.js'

/**
 * What a VALID answer of a cached key reads, gathered once into one object kept beside the cache
 * entry (`VerifyCache.prepare`). A hit then reads the index, this object and the usage tally,
 * instead of the entry, its key record and every policy field one after the other: with 10,000
 * keys in use each of those is a likely miss of the CPU's caches, and the hit path's cost grew with
 * the population while the sha256 + Map baseline's hardly did (issue 11: awaited `verify` 0.48–0.52×
 * the baseline with 1,000 keys, 0.37–0.41× with 10,000; BENCHMARKS.md).
 */
export interface PreparedAnswer {
  keyId: number
  owner: Owner
  scopes: string[]
  meta: Record<string, unknown>
  expiresAt: string | null
  /** `expiresAt` in epoch ms (Infinity: none): the answer holds while the clock is before it. */
  untilMs: number
  /** The cache entry it was prepared from (answers carry it when the verifier answers lookups). */
  lookup: KeyLookup
}

/** The checks of a verification that depend on the call, not on the key. */
export interface CallChecks {
  viewer?: Principal
  scopes?: readonly string[]
}

/**
 * The prepared answer of `found`, or null when its answer may depend on more than the clock
 * passing its expiry and the call's viewer and scopes. Invariant, enforced here and by `admits`: a
 * prepared answer is used only where `Verifier.policy` passes and `LimitStep.needsIo` is false, so
 * it answers VALID exactly when the full path would, with the same fields. Hence only keys active
 * now (revoked, disabled and deactivated do not change without a write, which replaces the entry
 * and so drops this: `ClockCache`'s memo), not a rolled-away secret (its grace end), with no
 * restrictions (they read the call's address) and no limit or credits of the key or its identity.
 */
export function prepareAnswer(found: KeyLookup, nowMs: number): PreparedAnswer | null {
  const { key } = found
  if (keyStatusAt(key, nowMs) !== 'active' || found.matchedPrevious || found.contextRule) return null
  if (!LimitStep.isLimitless(found)) return null
  return Object.freeze({
    keyId: key.id,
    owner: found.owner,
    scopes: key.scopes,
    meta: key.meta,
    expiresAt: key.expiresAt,
    untilMs: key.expiresAt === null ? Infinity : Date.parse(key.expiresAt),
    lookup: found,
  })
}

/** Whether `p` answers this call at `nowMs`: not expired, and the call's own checks pass. Else the full path answers. */
export function admits(p: PreparedAnswer, call: CallChecks, nowMs: number): boolean {
  return nowMs < p.untilMs && seenBy(call, p.owner) && holdsScopes(call, p.scopes)
}

/** The call's viewer may see keys of `owner` (no viewer: anyone may). `Verifier.policy` answers NOT_FOUND otherwise. */
export const seenBy = (call: CallChecks, owner: Owner): boolean => !call.viewer || canSeeOwner(call.viewer, owner)

/** `granted` holds every scope the call asks for. `Verifier.policy` answers INSUFFICIENT_SCOPES otherwise. */
export const holdsScopes = (call: CallChecks, granted: readonly string[]): boolean =>
  !call.scopes || call.scopes.length === 0 || missingScopes(granted, call.scopes).length === 0
