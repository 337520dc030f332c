import { Type } from 'typebox'
import { type ApiKey, MAX_ROW_ID } from '../../../core/types.js'
import { isSwitchedOff } from '../../../core/policy.js'
import type { TokenSession } from '../../../services/auth/token-service.js'

/** Realm's "none" ObjectId. */
const ZERO_ID = '000000000000000000000000'
const OBJECT_ID = /^[0-9a-f]{24}$/i

/** A key as Realm shows it; `key` only in the create response. */
export const RealmKeyBody = Type.Object({ _id: Type.String(), name: Type.String(), disabled: Type.Boolean() })
export const RealmCreatedKeyBody = Type.Object({
  _id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  disabled: Type.Boolean(),
})
export const RealmErrorBody = Type.Object({ error: Type.String(), error_code: Type.String() })

/** Our integer id as the 24 lowercase hex digits native Realm SDKs require (42 → `0…02a`). */
export const toRealmId = (id: number): string => id.toString(16).padStart(24, '0')

/** The integer id behind a Realm `_id`, or null when it cannot name one of our keys. */
export function fromRealmId(id: string): number | null {
  if (!OBJECT_ID.test(id)) return null
  const n = parseInt(id, 16)
  return n >= 1 && n <= MAX_ROW_ID ? n : null
}

export const toRealmKey = (k: ApiKey) => ({ _id: toRealmId(k.id), name: k.name ?? '', disabled: isSwitchedOff(k) })

/**
 * The device id a login sent: realm-web sends `{"$oid": "<hex>"}` from the second
 * login on, other SDKs a plain string. Anything else is "no device".
 */
export function deviceIdOf(body: { options?: { device?: { deviceId?: unknown } } }): string | null {
  const d = body.options?.device?.deviceId
  const raw =
    typeof d === 'string'
      ? d
      : d && typeof d === 'object' && typeof (d as { $oid?: unknown }).$oid === 'string'
        ? (d as { $oid: string }).$oid
        : null
  return raw && OBJECT_ID.test(raw) ? raw.toLowerCase() : null
}

/** `GET /auth/profile`: a user-key session shows its owner's profile; application keys are Realm "server" users. */
export function toRealmProfile(s: TokenSession) {
  const kind = s.principal?.owner.kind
  const providerType = kind === undefined ? 'anon-user' : kind === 'application' ? 'api-key' : 'local-userpass'
  return {
    user_id: s.subject,
    domain_id: ZERO_ID,
    type: kind === 'application' ? 'server' : 'normal',
    identities: [{ id: s.subject, provider_type: providerType, provider_id: s.subject }],
    data: kind === 'user' && s.user ? { email: s.user.email } : {},
  }
}

export const RealmProfileBody = Type.Object({
  user_id: Type.String(),
  domain_id: Type.String(),
  type: Type.String(),
  identities: Type.Array(Type.Object({ id: Type.String(), provider_type: Type.String(), provider_id: Type.String() })),
  data: Type.Object({ email: Type.Optional(Type.String()) }),
})
