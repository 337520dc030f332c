import type { Bounds } from '../../core/authz.js'
import { hasCalendarDay, storedInstant } from '../../core/clock.js'
import { invalid, invalidField } from '../../core/errors.js'
import { type Restrictions, normalizeRestrictions, restrictionsProblem } from '../../core/restrictions.js'
import type { ActorKind, ApiKey, KeyKind, KeyStatus, Refill } from '../../core/types.js'
import type { KeySortField } from '../../store/key-repository.js'
import type { ApiKeyUpdate } from '../../store/schema.js'
import { type LimitsInput, limitsAfter } from '../policies/key-limits.js'

/*
 * What a key write asks for (the input of create, import, update and list) and what it
 * implies: the bounds the derivation rule compares (core/authz.ts), the limit and
 * restriction columns, canonical dates. KeyService and KeyImport share them.
 */

export interface KeyLimits extends LimitsInput {
  scopes?: string[]
  /** Where the key may be used (core/restrictions.ts); null or empty lists: anywhere. */
  restrictions?: Restrictions | null
  meta?: Record<string, unknown>
  remaining?: number | null
  refill?: Refill | null
  /** The identity whose shared limits the key obeys (null: none); the caller must see it. */
  identity_id?: number | null
}

export interface CreateKeyInput extends KeyLimits {
  name?: string | null
  description?: string | null
  expires_at?: string | null
  prefix?: string
  owner?: { kind: ActorKind; id: number }
  /** Refuse (400) when the owner already holds this many unrevoked keys of this kind (Realm: 20 per user). */
  max_live_keys?: number
  /**
   * Accept an `expires_at` in the past (a key born expired). Only for faces whose real
   * service does so and whose clients rely on it (balena, Fluxbase: see shared/compat);
   * everywhere else such a key would hand out a secret that never works, so it is a 400.
   */
  allow_past_expiry?: boolean
}

export interface UpdateKeyInput extends KeyLimits {
  name?: string | null
  description?: string | null
  expires_at?: string | null
}

export interface ListKeysInput {
  owner_kind?: ActorKind
  owner_id?: number
  organization_id?: number
  kind?: KeyKind
  status?: KeyStatus
  identity_id?: number
  q?: string
  /** The start of a key (`kw_AbC123`, a log line's, or a whole key): matched on its visible start. */
  prefix?: string
  created_by_key_id?: number
  /** Keys this key made: created, or holding a live secret it rolled (`madeByKeys`). */
  made_by_key_id?: number
  /** Only keys whose scopes include this one, exactly. */
  scope?: string
  limit?: number
  cursor?: string
  sort?: KeySortField
  order?: 'asc' | 'desc'
}

/**
 * `bounded`: what a credential produces ends and throttles no later than it does.
 * `registration`: a device's own key (balena registration) lives as long as the
 * device, whatever the provisioning key's expiry or limits; scopes, owner and the
 * provisioning key's identity (whose devices they are) still bind.
 */
export type Derivation = 'bounded' | 'registration'

/** Update fields that change what a key may do; the others (name, description, meta) only label it. */
export const RIGHTS_FIELDS = [
  'scopes',
  'rate_limit',
  'ratelimits',
  'remaining',
  'refill',
  'expires_at',
  'identity_id',
  'restrictions',
] as const

/** The bounds a new key would have, but its identity (the derivation rule compares them with its producer's). */
export function boundsOfInput(input: CreateKeyInput): Omit<Bounds, 'identityId'> {
  return {
    restrictions: normalizeRestrictions(input.restrictions),
    expiresAt: normalizeDate(input.expires_at),
    ratelimits: limitsAfter([], input) ?? [],
    remaining: input.remaining ?? null,
    refill: input.refill ?? null,
  }
}

/** A key's bounds once `input` is applied. */
export function boundsAfter(key: ApiKey, input: UpdateKeyInput): Bounds {
  return {
    restrictions: input.restrictions === undefined ? key.restrictions : normalizeRestrictions(input.restrictions),
    expiresAt: input.expires_at === undefined ? key.expiresAt : normalizeDate(input.expires_at),
    ratelimits: limitsAfter(key.ratelimits, input) ?? key.ratelimits,
    remaining: input.remaining === undefined ? key.remaining : input.remaining,
    refill: input.refill === undefined ? key.refill : input.refill,
    identityId: input.identity_id === undefined ? key.identityId : input.identity_id,
  }
}

/** 400 for restrictions with a bad entry, or a refill without a usage limit. */
export function checkLimits(input: KeyLimits): void {
  const bad = restrictionsProblem(input.restrictions)
  if (bad) throw invalidField(bad.field, bad.message)
  if (input.refill && (input.remaining === undefined || input.remaining === null))
    throw invalid('refill needs a usage limit (remaining)')
}

/**
 * The columns of a key's limits and restrictions (only those `input` names); `current`: its named
 * limits now. Setting `remaining` gives the key a new usage budget, and a new refill changes it:
 * both re-arm `key.usage_low` (once per budget, `store/key-sweep-repository.ts`).
 */
export function limitColumns(input: KeyLimits, current: ApiKey['ratelimits'], now: string): ApiKeyUpdate {
  const out: ApiKeyUpdate = {}
  if (input.remaining !== undefined) out.usage_budget = input.remaining
  if (input.remaining !== undefined || input.refill !== undefined) out.usage_budget_at = now
  const ratelimits = limitsAfter(current, input)
  if (ratelimits !== undefined) out.ratelimits = JSON.stringify(ratelimits)
  if (input.identity_id !== undefined) out.identity_id = input.identity_id
  if (input.remaining !== undefined) out.remaining = input.remaining
  if (input.restrictions !== undefined) {
    const r = normalizeRestrictions(input.restrictions)
    out.restrictions = r && JSON.stringify(r)
  }
  if (input.refill !== undefined) {
    out.refill_amount = input.refill?.amount ?? null
    out.refill_interval_s = input.refill?.interval_s ?? null
  }
  return out
}

/** Accepts any date-time the schema let through; stores canonical UTC with milliseconds. */
export function normalizeDate(v: string | null | undefined): string | null {
  if (v === undefined || v === null) return null
  const t = hasCalendarDay(v) ? Date.parse(v) : Number.NaN
  if (Number.isNaN(t)) throw invalid(`not a date: "${v}"`, { field: 'expires_at' })
  return storedInstant(t, 'expires_at')
}
