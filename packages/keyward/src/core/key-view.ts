import { keyStatus } from './policy.js'
import type { Restrictions } from './restrictions.js'
import { creditsAt, defaultLimit } from './limits.js'
import type { ActorKind, ApiKey, KeyKind, KeyStatus, NamedLimit, RateLimit, Refill } from './types.js'

/**
 * When a secret stops working: the key's expiry, or, for a rolled-away secret (`graceEndsAt`), the
 * earlier of that and its grace end. Every answer about a secret says this end (verify's
 * `expires_at`, a producer's bounds): an integrator caching an answer until it must not outlive it.
 */
export function secretEnd(expiresAt: string | null, graceEndsAt: string | null | undefined): string | null {
  if (graceEndsAt == null) return expiresAt
  return expiresAt !== null && Date.parse(expiresAt) < Date.parse(graceEndsAt) ? expiresAt : graceEndsAt
}

/** A key as the native API lists it: what clients see, never a secret or hash. */
export interface KeyView {
  id: number
  name: string | null
  description: string | null
  key_prefix: string
  kind: KeyKind
  status: KeyStatus
  owner: { kind: ActorKind; id: number }
  scopes: string[]
  meta: Record<string, unknown>
  expires_at: string | null
  disabled_at: string | null
  /** Set while the person responsible for the key is deactivated (or deleted): `status` is `disabled` unless revoked. */
  user_deactivated_at: string | null
  /** While the secret a roll replaced still verifies (its grace period): until when. */
  previous_secret_expires_at: string | null
  revoked_at: string | null
  revoked_reason: string | null
  /** The limit named `default`, as the single `rate_limit` of earlier versions (and of every face). */
  rate_limit: RateLimit | null
  ratelimits: NamedLimit[]
  identity_id: number | null
  remaining: number | null
  refill: Refill | null
  restrictions: Restrictions | null
  external_id: string | null
  last_used_at: string | null
  created_by_key_id: number | null
  created_in_grace_until: string | null
  created_at: string
  updated_at: string
}

/**
 * The listing view of a key at `now` (its status depends on the time). The API's responses
 * (`http/schemas.ts`) and webhook events (`store/key-event-repository.ts`) both carry this,
 * so an event's `data` is exactly what `GET /v1/keys/:id` answers but for the caller's `can_manage` (an event has no
 * caller: `toApiKeyWire` adds it).
 */
export function keyView(k: ApiKey, now: Date): KeyView {
  return {
    id: k.id,
    name: k.name,
    description: k.description,
    key_prefix: k.keyPrefix,
    kind: k.kind,
    status: keyStatus(k, now),
    owner: k.owner,
    scopes: k.scopes,
    meta: k.meta,
    expires_at: k.expiresAt,
    disabled_at: k.disabledAt,
    user_deactivated_at: k.userDeactivatedAt,
    previous_secret_expires_at: graceAhead(k.previousSecretExpiresAt, now),
    revoked_at: k.revokedAt,
    revoked_reason: k.revokedReason,
    rate_limit: defaultLimit(k.ratelimits),
    ratelimits: k.ratelimits.map((l) => ({ ...l })),
    identity_id: k.identityId,
    remaining: creditsAt(k, now),
    refill: k.refill,
    restrictions: k.restrictions,
    external_id: k.externalId,
    last_used_at: k.lastUsedAt,
    created_by_key_id: k.createdByKeyId,
    created_in_grace_until: k.createdInGraceUntil,
    created_at: k.createdAt,
    updated_at: k.updatedAt,
  }
}

/** A grace period's end while it is ahead of `now`, else null (an ended one is history, not state). */
const graceAhead = (end: string | null, now: Date): string | null =>
  end !== null && Date.parse(end) > now.getTime() ? end : null
