import { type Static, Type } from 'typebox'
import { Nullable } from './nullable.js'
import { type ApiKey, type Application, type Device, MAX_ROW_ID, type User } from '../core/types.js'
import { keyView } from '../core/key-view.js'
import { VERIFY_CODES, type VerifyCode, type VerifyResult } from '../core/verify-result.js'
import type { AuditEvent } from '../store/audit-repository.js'
import {
  CheckedLimitsBody,
  NamedLimitBody,
  RateLimitsInput,
  RemainingShown,
  VerifyLimitFields,
} from './limit-schemas.js'

/**
 * Wire schemas of the native API. Response schemas are allow-lists: Fastify
 * serializes only the fields named here, so a hash or a secret cannot leak.
 */
export { Nullable }
/** A row id in a request: larger ones are refused here, not by the database (core/types.ts MAX_ROW_ID). */
export const Id = Type.Integer({ minimum: 1, maximum: MAX_ROW_ID })
const DateTime = Type.String({ format: 'date-time' })
const ActorKind = Type.Union([
  Type.Literal('user'),
  Type.Literal('application'),
  Type.Literal('device'),
  Type.Literal('organization'),
])
const KeyKind = Type.Union([Type.Literal('user'), Type.Literal('provisioning'), Type.Literal('device')])
const KeyStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('expired'),
  Type.Literal('disabled'),
  Type.Literal('revoked'),
])
/** A scope's text: one word of up to 100 characters, no blanks. */
const SCOPE_TEXT = { minLength: 1, maxLength: 100, pattern: '^[^\\s]+$' }
export const Scope = Type.String(SCOPE_TEXT)
const Scopes = Type.Array(Scope, {
  maxItems: 100,
  uniqueItems: true,
  description:
    "Scopes your API checks when it verifies the key (e.g. invoices:read). On Keyward's own API the key has its owner's rights, " +
    "narrowed to the Keyward scopes listed here (keys:read, users:write, ...); with no scopes at all, all of its owner's rights.",
})
export const Meta = Type.Record(Type.String(), Type.Unknown(), {
  maxProperties: 50,
  description:
    'Free-form JSON, returned by verify: at most 8 levels deep and 4096 bytes serialized (else 400 validation_failed).',
})
const RateLimit = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    window_s: Type.Integer({ minimum: 1, maximum: 31_536_000 }),
  },
  { additionalProperties: false },
)
const Refill = Type.Object(
  {
    amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    interval_s: Type.Integer({ minimum: 1, maximum: 31_536_000 }),
  },
  {
    additionalProperties: false,
    description: 'Resets `remaining` to `amount` every `interval_s` seconds (a reset, not an addition).',
  },
)
const Remaining = Type.Integer({
  minimum: 0,
  maximum: 1_000_000_000,
  description:
    'Verifications left; each valid verification takes one. A PATCH applies a refill that is due first, so the count set holds until the next refill.',
})
const RestrictionList = (description: string) =>
  Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, uniqueItems: true, description }),
  )
/** Where a key may be used (core/restrictions.ts); each entry is checked there, and a bad one is a 400 naming it. */
const Restrictions = Type.Object(
  {
    ip_allow: RestrictionList(
      'Client addresses the key works from: IPv4/IPv6 addresses or CIDRs (10.0.0.0/8, 2001:db8::/32).',
    ),
    origin_allow: RestrictionList(
      'Origin header values the key works from: [scheme://][*.]host[:port]; no scheme means https, *. any subdomain.',
    ),
  },
  {
    additionalProperties: false,
    description:
      'Calls from elsewhere, or that do not say where they come from, answer FORBIDDEN_CONTEXT. Empty lists or null: anywhere.',
  },
)
/** Not only spaces: a blank name was listed as a blank, unclickable row (a new user's report). */
export const KeyName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })
const Description = Type.String({ maxLength: 1000 })

export const IdParams = Type.Object({ id: Id })

/**
 * The body of an action that takes no input (end a grace period, end an overlap): none, or empty.
 * Anything in it is refused: `{grace_period_s: 5}` there would read as "shorten", and it ends now.
 */
export const NoBody = Type.Object({}, { additionalProperties: false })
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
})

/** The error answers a write route declares in the OpenAPI document (every code answers this envelope). */
export const WriteErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody }

export const ApiKeyBody = Type.Object({
  id: Id,
  name: Nullable(Type.String()),
  description: Nullable(Type.String()),
  key_prefix: Type.String({ description: 'The start of the key, to tell keys apart. Not secret.' }),
  kind: KeyKind,
  status: KeyStatus,
  owner: Type.Object({ kind: ActorKind, id: Id }),
  scopes: Type.Array(Type.String()),
  meta: Type.Record(Type.String(), Type.Unknown()),
  expires_at: Nullable(Type.String()),
  disabled_at: Nullable(Type.String({ description: "Set by the key's own disable; enable clears it." })),
  user_deactivated_at: Nullable(
    Type.String({
      description:
        'Set while the person responsible for the key (its user, or the user of the personal organization it, its application or its device belongs to) is deactivated or deleted: unless the key is revoked, it is `disabled` and verifies as DISABLED until the user is reactivated (a deleted user never is); its own `disabled_at` is untouched, and enabling the key does not lift this.',
    }),
  ),
  previous_secret_expires_at: Nullable(
    Type.String({
      description:
        "While the secret replaced by the last roll still verifies (the roll's `grace_period_s`): until when. Null when there is none, or it has ended.",
    }),
  ),
  revoked_at: Nullable(Type.String()),
  revoked_reason: Nullable(Type.String()),
  rate_limit: Nullable(
    Type.Object(
      { limit: Type.Integer(), window_s: Type.Integer() },
      { description: 'The limit named `default` in `ratelimits` (kept for older clients).' },
    ),
  ),
  ratelimits: Type.Array(NamedLimitBody),
  identity_id: Nullable(Id),
  remaining: RemainingShown,
  refill: Nullable(Type.Object({ amount: Type.Integer(), interval_s: Type.Integer() })),
  restrictions: Nullable(
    Type.Object({
      ip_allow: Type.Optional(Type.Array(Type.String())),
      origin_allow: Type.Optional(Type.Array(Type.String())),
    }),
  ),
  external_id: Nullable(Type.String({ description: 'Its id in the system it was imported from.' })),
  last_used_at: Nullable(Type.String()),
  created_by_key_id: Nullable(
    Type.Integer({
      description:
        'The key whose holder created this one (null: created with a password session, or made by a key you may not see).',
    }),
  ),
  created_in_grace_until: Nullable(
    Type.String({
      description:
        "Set when `created_by_key_id`'s rolled-away secret made this key, during a roll's grace period: the end that grace period was promised. Such a key is revoked, with its line, when that grace period is cut short (end-grace, a roll, a revoke or delete of the key, a leak report); the keys the current secret made are not.",
    }),
  ),
  created_at: Type.String(),
  updated_at: Type.String(),
  can_manage: Type.Boolean({
    description:
      'Whether you may change this key (update, disable, enable, roll, end grace, revoke, delete): your `keys:write` scope and the write rule for its owner (viewers of its organization change nothing; members its application and device keys and the organization keys they made; admins all of it). The call still decides what depends on more: a key changing a key it was made from, a roll or enable needing every right the key has, a rolled-away secret rolling.',
  }),
})
export type ApiKeyWire = Static<typeof ApiKeyBody>

/**
 * The listing view (`core/key-view.ts`), typed by the response schema, with whether the caller may change the key
 * (`KeyService.seenBy`): webhook events carry the view alone, having no caller.
 */
export function toApiKeyWire(k: ApiKey, now: Date, canManage: boolean): ApiKeyWire {
  return { ...keyView(k, now), can_manage: canManage }
}

const limitFields = {
  scopes: Type.Optional(Scopes),
  meta: Type.Optional(Meta),
  rate_limit: Type.Optional(Nullable(RateLimit)),
  ratelimits: Type.Optional(RateLimitsInput),
  remaining: Type.Optional(Nullable(Remaining)),
  refill: Type.Optional(Nullable(Refill)),
  restrictions: Type.Optional(Nullable(Restrictions)),
  identity_id: Type.Optional(Nullable(Id)),
}

export const CreateKeyBody = Type.Object(
  {
    name: KeyName,
    description: Type.Optional(Nullable(Description)),
    expires_at: Type.Optional(Nullable(DateTime)),
    prefix: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9]{0,15}$' })),
    owner: Type.Optional(Type.Object({ kind: ActorKind, id: Id }, { additionalProperties: false })),
    ...limitFields,
  },
  { additionalProperties: false },
)

export const UpdateKeyBody = Type.Object(
  {
    name: Type.Optional(KeyName),
    description: Type.Optional(Nullable(Description)),
    expires_at: Type.Optional(Nullable(DateTime)),
    ...limitFields,
  },
  { additionalProperties: false },
)

export const CreatedKeyBody = Type.Object({
  key: Type.String({ description: 'The secret. Shown only in this response: store it now.' }),
  api_key: ApiKeyBody,
})

/** The answer of a roll: the new secret and the key, plus how many keys the secret it cut short had made went with it. */
export const RolledKeyBody = Type.Object({
  key: Type.String({ description: 'The new secret. Shown only in this response: store it now.' }),
  api_key: ApiKeyBody,
  minted_revoked: Type.Optional(
    Type.Integer({
      description:
        'How many keys the secret this roll ended early (a grace period running) had made during its grace period were revoked, with their line; 0 when no grace period was running. Absent when that revocation failed after the roll committed: `POST /v1/keys/:id/end-grace` finishes it.',
    }),
  ),
})

/** `GET /v1/keys/:id/made`: what a revoke with `minted: true` would end now, for this caller. */
export const MadeByKeyBody = Type.Object(
  {
    keys: Type.Integer({
      description:
        'Keys of its line (made with it, holding a secret it rolled, and what those made) that you may see and that are not revoked: what `minted: true` would revoke with it.',
    }),
    passwords: Type.Integer({
      description:
        "Users' passwords a key of its line chose (creating the user, a reset) that `minted: true` would clear, ending their sessions: counted whoever the users are, yours included.",
    }),
    own_password: Type.Boolean({
      description:
        'Whether your own password is one of them: the revoke then ends all your sessions, the one revoking included. Another admin sets you a new password; an instance with no other admin, `keyward reset-password` on the server.',
    }),
    webhooks: Type.Integer({
      description:
        'Webhooks configured by a login of a password its line chose, which `minted: true` would stop: they send nothing until their owner or an admin rotates their secret.',
    }),
  },
  { additionalProperties: false },
)

/** The answer of revoke and end-grace: the key, plus how many keys made from it went with it. */
export const RevokedKeyBody = Type.Intersect([
  ApiKeyBody,
  Type.Object({
    minted_revoked: Type.Optional(
      Type.Integer({
        description:
          'How many keys made from this one were revoked with it: with `minted: true`, those descending from it; else those its rolled-away secret made during a grace period this cut short, with their line.',
      }),
    ),
    passwords_cleared: Type.Optional(
      Type.Integer({
        description:
          'With `minted: true`: how many users had their password cleared (and their sessions ended) because a key of the revoked line chose it, creating the user or resetting it. An admin sets a new one. Absent without `minted`.',
      }),
    ),
    webhooks_ended: Type.Optional(
      Type.Integer({
        description:
          'With `minted: true`: how many webhooks a login of a password its line chose had configured, which now send nothing until their secret is rotated (check their URL). Absent without `minted`.',
      }),
    ),
    own_password_cleared: Type.Optional(
      Type.Boolean({
        description:
          'With `minted: true`: whether your own password was one of those cleared. Your sessions have ended, the one that revoked included: sign in again once another admin has set you a new password. Absent without `minted`.',
      }),
    ),
  }),
])

export const ListKeysQuery = Type.Object(
  {
    owner_kind: Type.Optional(ActorKind),
    owner_id: Type.Optional(Id),
    /** Every key of one organization: its own, its applications' and its devices'. */
    organization_id: Type.Optional(Id),
    kind: Type.Optional(KeyKind),
    status: Type.Optional(KeyStatus),
    identity_id: Type.Optional(Id),
    /** Name contains this, ignoring ASCII case; three characters or more are answered by a trigram index (store/key-search.ts). */
    q: Type.Optional(
      Type.String({
        maxLength: 100,
        description:
          'name contains this (ignoring case); 3+ characters use a trigram index, shorter ones scan your keys',
      }),
    ),
    /** A key's start, matched on its visible part (`visiblePrefix`); `key-search.ts` `keyPrefixStartsWith`. */
    prefix: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description:
          "keys whose visible start (`key_prefix`, e.g. `kw_AbC123`) begins with this, case-sensitively. Only the visible start is stored, so a longer text is matched on its visible start; send no more than that, as proxies log URLs. It is the current secret's: after a roll, a rolled-away secret's start finds nothing",
      }),
    ),
    created_by_key_id: Type.Optional(Id),
    /** `key-search.ts` `madeByKeys`: what `revoke {minted: true}` of that key ends first. */
    made_by_key_id: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_ROW_ID,
        description:
          'keys that key made: created with it (`created_by_key_id`), or holding a secret it made by rolling the key that still works (its current secret, or the one in its grace period). What revoking that key with `minted: true` ends, with what these made',
      }),
    ),
    /** One scope, matched whole (`key-search.ts` `scopesInclude`). */
    scope: Type.Optional(
      Type.String({
        ...SCOPE_TEXT,
        description:
          "keys whose scopes include this one, exactly as verify's `scopes` checks it: matched whole and case-sensitively, `*` is not expanded, and a key without scopes (full rights on Keyward's own API) holds none of your API's scopes",
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    // A cursor carries the last sort value: an imported name of 255 emoji is 1,020 bytes, 1,400 in base64.
    cursor: Type.Optional(Type.String({ maxLength: 2048 })),
    /** Sort column; the default is newest first (`created_at`, `desc`). */
    sort: Type.Optional(
      Type.Union(
        [Type.Literal('created_at'), Type.Literal('name'), Type.Literal('last_used_at'), Type.Literal('expires_at')],
        {
          description:
            'Sort column. Names sort with ASCII letters folded to lower case, then by code point, on every store.',
        },
      ),
    ),
    /** Sort direction; keys without a value (no name, never used, never expiring) come last either way. */
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  },
  { additionalProperties: false },
)

export const UsageQuery = Type.Object(
  {
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30 })),
  },
  { additionalProperties: false },
)

/** Verifications of a key per UTC day, oldest first, zero-filled. */
export const UsageResponse = Type.Object({
  days: Type.Array(
    Type.Object({
      date: Type.String({ format: 'date' }),
      valid: Type.Integer({ minimum: 0 }),
      refused: Type.Integer({ minimum: 0 }),
      by_code: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    }),
  ),
})

export const VerifyBody = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 1024 }),
    scopes: Type.Optional(Type.Array(Scope, { maxItems: 100 })),
    context: Type.Optional(
      Type.Object(
        {
          ip: Type.Optional(
            Type.String({ maxLength: 64, description: "The client's address, as your server saw it." }),
          ),
          origin: Type.Optional(Type.String({ maxLength: 300, description: "The request's Origin header." })),
        },
        {
          additionalProperties: false,
          description:
            'Where the call you are verifying comes from. A key with restrictions needs the parts it restricts, else FORBIDDEN_CONTEXT.',
        },
      ),
    ),
    ...VerifyLimitFields,
  },
  { additionalProperties: false },
)

export const VerifyResponse = Type.Object({
  valid: Type.Boolean(),
  code: Type.Unsafe<VerifyCode>({ type: 'string', enum: VERIFY_CODES }),
  key_id: Type.Optional(Id),
  owner: Type.Optional(Type.Object({ kind: ActorKind, id: Id })),
  scopes: Type.Optional(Type.Array(Type.String())),
  meta: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  expires_at: Type.Optional(
    Nullable(Type.String({ description: 'When this secret stops working: the key expiry, or a grace end (below).' })),
  ),
  grace_ends_at: Type.Optional(
    Type.String({
      description:
        "Present when the secret is a rolled-away one (a roll's grace period): it stops working then. Tell its " +
        "holder to switch to the key's new secret.",
    }),
  ),
  remaining: Type.Optional(Nullable(Type.Integer())),
  ratelimit: Type.Optional(
    Type.Object(
      { limit: Type.Integer(), remaining: Type.Integer(), reset_at: Type.String() },
      {
        description:
          "The limit behind RATE_LIMITED: the key's rate limit, or (no key_id) the caller's budget of NOT_FOUND answers; retry after reset_at.",
      },
    ),
  ),
  ratelimits: Type.Optional(CheckedLimitsBody),
})

export function toVerifyWire(r: VerifyResult): Static<typeof VerifyResponse> {
  return {
    valid: r.valid,
    code: r.code,
    ...(r.keyId !== undefined && { key_id: r.keyId }),
    ...(r.owner && { owner: { kind: r.owner.kind, id: r.owner.id } }),
    ...(r.scopes && { scopes: r.scopes }),
    ...(r.meta && { meta: r.meta }),
    ...(r.expiresAt !== undefined && { expires_at: r.expiresAt }),
    ...(r.graceEndsAt !== undefined && { grace_ends_at: r.graceEndsAt }),
    ...(r.remaining !== undefined && { remaining: r.remaining }),
    ...(r.ratelimit && { ratelimit: r.ratelimit }),
    ...(r.ratelimits && { ratelimits: r.ratelimits }),
  }
}

/** An instance role. */
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')])

export const UserBody = Type.Object({
  id: Id,
  actor_id: Id,
  email: Type.String(),
  username: Type.String(),
  role: Role,
  created_at: Type.String(),
  /** Set while an admin has deactivated the user (no login; their keys verify as DISABLED). */
  deactivated_at: Nullable(Type.String()),
})
export const toUserWire = (u: User): Static<typeof UserBody> => ({
  id: u.id,
  actor_id: u.actorId,
  email: u.email,
  username: u.username,
  role: u.role,
  created_at: u.createdAt,
  deactivated_at: u.deactivatedAt,
})

/** How long a password may be, in characters, wherever one is taken (the API, `keyward reset-password`). */
export const PASSWORD_LENGTH = { min: 8, max: 1024 } as const

/** A password as the API takes it (8 to 1,024 characters). */
export const Password = Type.String({ minLength: PASSWORD_LENGTH.min, maxLength: PASSWORD_LENGTH.max })

export const ApplicationBody = Type.Object({
  id: Id,
  actor_id: Id,
  uuid: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  owner_user_id: Type.Integer({
    minimum: 1,
    maximum: MAX_ROW_ID,
    description: 'The user who created it; its organization, not this user, decides who manages it.',
  }),
  organization_id: Id,
  created_at: Type.String(),
})
export const toApplicationWire = (a: Application): Static<typeof ApplicationBody> => ({
  id: a.id,
  actor_id: a.actorId,
  uuid: a.uuid,
  slug: a.slug,
  name: a.name,
  owner_user_id: a.ownerUserId,
  organization_id: a.organizationId,
  created_at: a.createdAt,
})

export const DeviceBody = Type.Object({
  id: Id,
  actor_id: Id,
  uuid: Type.String(),
  name: Nullable(Type.String()),
  application_id: Id,
  created_at: Type.String(),
})
export const toDeviceWire = (d: Device): Static<typeof DeviceBody> => ({
  id: d.id,
  actor_id: d.actorId,
  uuid: d.uuid,
  name: d.name,
  application_id: d.applicationId,
  created_at: d.createdAt,
})

export const AuditEventBody = Type.Object({
  id: Id,
  at: Type.String(),
  actor_id: Nullable(Type.Integer()),
  action: Type.String(),
  target_type: Type.String(),
  target_id: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  target_exists: Nullable(
    Type.Boolean({
      description:
        'Whether the target key still exists and you may open it (false for a deleted key and for one you may not see; null for other targets).',
    }),
  ),
  automatic: Type.Boolean({
    description:
      'Keyward acted by itself (the first admin, a sweeper, a cascade at a deletion). A null `actor_id` ' +
      'otherwise is a caller without credentials (a leak report, a failed login).',
  }),
})
export const toAuditWire = (e: AuditEvent): Static<typeof AuditEventBody> => ({
  id: e.id,
  at: e.at,
  actor_id: e.actorId,
  action: e.action,
  target_type: e.targetType,
  target_id: e.targetId,
  ip: e.ip,
  details: e.details,
  target_exists: e.targetExists ?? null,
  automatic: e.automatic ?? false,
})

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    before_id: Type.Optional(Id),
  },
  { additionalProperties: false },
)
