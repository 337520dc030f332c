/**
 * Wire types of Keyward's native API (`/v1`). They mirror the server's route schemas
 * (`packages/keyward/src/http/schemas.ts`); a type-level test in this package fails to
 * compile when the two drift apart. Times are ISO-8601 UTC strings.
 */
import type { CheckedLimit, NamedLimit, NamedLimitInput } from './limit-types.js'

/** Who can own a key. */
/** Who owns keys; an `organization` owns service keys that outlive any person. */
export type ActorKind = 'user' | 'application' | 'device' | 'organization'
/** The kind of a key follows from its owner: user, application (`provisioning`) or device. */
export type KeyKind = 'user' | 'provisioning' | 'device'
/** Lifecycle state of a key, as computed by the server at read time. */
export type KeyStatus = 'active' | 'expired' | 'disabled' | 'revoked'
/** A user's role: admins manage everything, members only what they own. */
export type Role = 'admin' | 'member'
/** A key id. Numeric on the wire; strings of digits are accepted for convenience (Fluxbase, Realm). */
export type KeyId = number | string

/** At most `limit` verifications per `window_s` seconds. */
export interface RateLimit {
  limit: number
  window_s: number
}

/** Resets `remaining` to `amount` every `interval_s` seconds (a reset, not an addition). */
export interface Refill {
  amount: number
  interval_s: number
}

/**
 * Where a key may be used. `ip_allow`: IPv4/IPv6 addresses or CIDRs; `origin_allow`: Origin values
 * `[scheme://][*.]host[:port]` (no scheme means https; `*.` any subdomain, not the domain itself).
 * A call from elsewhere, or one that does not say where it comes from, is refused with `FORBIDDEN_CONTEXT`.
 */
export interface Restrictions {
  ip_allow?: string[]
  origin_allow?: string[]
}

/** Where a verified call comes from: the client's address as your server saw it, and its Origin header. */
export interface CallContext {
  ip?: string
  origin?: string
}

/** A reference to an actor that owns keys. */
export interface OwnerRef {
  kind: ActorKind
  id: number
}

/** An API key as the server lists it. Never carries the secret or its hash. */
export interface ApiKey {
  id: number
  name: string | null
  description: string | null
  /** The start of the key, to tell keys apart. Not secret. */
  key_prefix: string
  kind: KeyKind
  status: KeyStatus
  owner: OwnerRef
  scopes: string[]
  meta: Record<string, unknown>
  expires_at: string | null
  /** Set by the key's own disable; enable clears it. */
  disabled_at: string | null
  /**
   * Set while the person responsible for the key (its user, or the user of the personal
   * organization it, its application or its device belongs to) is deactivated or deleted: unless
   * the key is revoked, `status` is `disabled` and it verifies as `DISABLED` until the user is
   * reactivated (a deleted user never is). Enabling the key does not lift it.
   */
  user_deactivated_at: string | null
  /** While the secret replaced by the last roll still verifies (the roll's grace period): until when; else null. */
  previous_secret_expires_at: string | null
  revoked_at: string | null
  revoked_reason: string | null
  /** The limit named `default` in `ratelimits` (kept for older clients). */
  rate_limit: RateLimit | null
  ratelimits: NamedLimit[]
  /** The identity whose shared limits and credits the key also obeys. */
  identity_id: number | null
  remaining: number | null
  refill: Refill | null
  restrictions: Restrictions | null
  /** Its id in the system it was imported from (`importKeys`); null for keys made here. */
  external_id: string | null
  last_used_at: string | null
  /**
   * The key whose holder created this one (directly or through a session opened with it); null: a
   * password session, or a key the reader may not see (an admin's key that made a member's key).
   */
  created_by_key_id: number | null
  /**
   * Set when that key's rolled-away secret (a roll's grace period) made this one: the end the grace period was
   * promised. Revoked, with its line, when that grace period is cut short (`endGrace`, a roll, revoke, a leak report).
   */
  created_in_grace_until: string | null
  created_at: string
  updated_at: string
  /**
   * Whether you may change this key (update, disable, enable, roll, end grace, revoke, delete), as the server decides
   * by your scopes and role: show those actions only when true. Some calls may still be refused for this key alone.
   */
  can_manage: boolean
}

/**
 * The answer of revoke: the key, and with `minted: true` how many of its descendants were revoked too, how
 * many users' passwords a key of that line had chosen (created the user, or reset it) were cleared, and whether
 * the caller's own was one (their sessions ended, the one that revoked too).
 */
export type RevokedKey = ApiKey & {
  minted_revoked?: number
  passwords_cleared?: number
  own_password_cleared?: boolean
  /** Webhooks a login of the line configured, now sending nothing until their secret is rotated. */
  webhooks_ended?: number
}

/**
 * What revoking a key with `minted: true` would end now, for the caller (`keys.made`): the unrevoked keys of its line
 * the caller may see, and the passwords the line chose.
 */
export interface MadeByKey {
  keys: number
  passwords: number
  /** The caller's own password is one of them: the revoke ends the caller's sessions, the one revoking included. */
  own_password: boolean
  /** Webhooks a login of the line configured: the revoke stops them until they are configured again. */
  webhooks: number
}

/** The answer of create and roll: the secret, shown only in this response, and the key record. */
export interface CreatedKey {
  key: string
  api_key: ApiKey
}

/** A roll's answer: the new secret, and what went with the secret it ended early. */
export interface RolledKey extends CreatedKey {
  /**
   * How many keys the secret this roll ended early (a grace period running) had made during its grace
   * period were revoked, with their line; 0 when none was running. Absent when revoking them failed
   * after the roll committed: `endGrace(id)` finishes it.
   */
  minted_revoked?: number
}

/** Fields a key's limits are made of, shared by create and update. `null` clears a limit. */
export interface KeyLimits {
  scopes?: string[]
  /** Free-form JSON: at most 8 levels deep and 4096 bytes serialized (else 400 `validation_failed`). */
  meta?: Record<string, unknown>
  /** The limit named `default`; replaces only that one of `ratelimits`. Not together with `ratelimits`. */
  rate_limit?: RateLimit | null
  /** Sugar (Fluxbase): `{ limit: n, window_s: 60 }`. Ignored when `rate_limit` is given. */
  rate_limit_per_minute?: number | null
  /** Every named limit of the key (replaces the list; `[]` removes them). */
  ratelimits?: NamedLimitInput[]
  remaining?: number | null
  refill?: Refill | null
  /** Replaces the key's restrictions; `null` (or empty lists) lets it be used from anywhere. */
  restrictions?: Restrictions | null
  /** Link to an identity (null: unlink). A key made by a key of an identity stays in it. */
  identity_id?: number | null
}

/** `POST /v1/keys`. Default owner: the calling user. */
export interface CreateKeyInput extends KeyLimits {
  name: string
  description?: string | null
  expires_at?: string | null
  prefix?: string
  owner?: OwnerRef
}

/**
 * One key of `POST /v1/keys/import`: its secret (`plaintext`, hashed on arrival) or the SHA-256
 * your system stored (`hash`), plus the usual fields. `external_id` makes re-imports skip it.
 */
export interface ImportKeyInput extends Omit<CreateKeyInput, 'name' | 'prefix'> {
  name?: string
  plaintext?: string
  hash?: { value: string; variant: 'sha256_hex' | 'sha256_base64' }
  external_id?: string
  /** The non-secret start listings show. */
  key_prefix?: string
  /** false: imported disabled. */
  enabled?: boolean
}

/** What an import call did, per key in request order (`unchanged`: its external_id was already there). */
export interface ImportResult {
  imported: number
  unchanged: number
  keys: { index: number; id: number; status: 'imported' | 'unchanged' }[]
  /** Where a key was stored otherwise than the body said, by key and field (Unkey bodies: e.g. a monthly refill). */
  notes: { index: number; field: string; message: string }[]
}

/** `PATCH /v1/keys/:id`. `expires_at` in the past expires the key at once; `null` clears it. */
export interface UpdateKeyInput extends KeyLimits {
  name?: string
  description?: string | null
  expires_at?: string | null
}

/** Filters of `GET /v1/keys`. */
export interface ListKeysFilter {
  owner_kind?: ActorKind
  owner_id?: number
  /** Every key of one organization: its own, its applications' and its devices'. */
  organization_id?: number
  kind?: KeyKind
  status?: KeyStatus
  /** Keys linked to this identity. */
  identity_id?: number
  /** Name contains this, ignoring case (3+ characters are served by an index on the server). */
  q?: string
  /**
   * Keys whose visible start (`key_prefix`, e.g. `kw_AbC123`) begins with this, case-sensitively. Only
   * the visible start is stored: pass no more than that (a query string is logged by proxies).
   */
  prefix?: string
  /** Only keys made by this key (`created_by_key_id`). */
  created_by_key_id?: number
  /**
   * Only keys this key made: created with it, or holding a secret it made by rolling the key that still works.
   * What `revoke(id, { minted: true })` of that key ends, with what these made.
   */
  made_by_key_id?: number
  /**
   * Only keys whose scopes include this one, exactly as `verify`'s `scopes` checks it: matched whole,
   * `*` not expanded, and a key without scopes (full rights on Keyward's own API) does not match.
   */
  scope?: string
  /** Page size, at most 500. */
  limit?: number
  /** From a previous page's `next_cursor`, with the same `sort` and `order`. */
  cursor?: string
  /** Sort column (default `created_at`). Keys without a value come last in either order; names sort with ASCII letters folded to lower case, on every store. */
  sort?: KeySortField
  /** Sort direction (default `desc`: newest first). */
  order?: 'asc' | 'desc'
}

/** Columns `GET /v1/keys` sorts by. */
export type KeySortField = 'created_at' | 'name' | 'last_used_at' | 'expires_at'

/** Verifications of a key on one UTC day (`GET /v1/keys/:id/usage`). */
export interface DailyUsage {
  /** `YYYY-MM-DD` (UTC). */
  date: string
  valid: number
  refused: number
  /** Refusals per code (a {@link VerifyCode}), only codes that occurred. */
  by_code: Record<string, number>
}

/** The answer of `GET /v1/keys/:id/usage`: one entry per day, oldest first, zero-filled. */
export interface KeyUsage {
  days: DailyUsage[]
}

/** A page of keys. `next_cursor` is null on the last page. */
export interface KeyPage {
  api_keys: ApiKey[]
  total: number
  next_cursor: string | null
}

/** Why a key is accepted or refused. */
export type VerifyCode =
  | 'VALID'
  | 'MALFORMED'
  | 'NOT_FOUND'
  | 'EXPIRED'
  | 'DISABLED'
  | 'REVOKED'
  | 'INSUFFICIENT_SCOPES'
  | 'USAGE_EXCEEDED'
  | 'RATE_LIMITED'
  | 'FORBIDDEN_CONTEXT'

/** The outcome of `POST /v1/keys/verify`: always an answer, never an error, whatever the key. */
export interface VerifyResult {
  valid: boolean
  code: VerifyCode
  key_id?: number
  owner?: OwnerRef
  scopes?: string[]
  meta?: Record<string, unknown>
  expires_at?: string | null
  /** Present when the secret is a rolled-away one (a roll's grace period): it stops working then. */
  grace_ends_at?: string
  remaining?: number | null
  /**
   * The limit that answered `RATE_LIMITED`: the key's own rate limit, or, when there is no
   * `key_id`, the caller's budget of `NOT_FOUND` answers (too many unknown keys); retry after `reset_at`.
   */
  ratelimit?: { limit: number; remaining: number; reset_at: string }
  /** Every named limit the verification checked (the key's and its identity's). */
  ratelimits?: CheckedLimit[]
}

/** A user account. */
export interface User {
  id: number
  actor_id: number
  email: string
  username: string
  role: Role
  created_at: string
  /** Set while an admin has deactivated the user: no login, and their keys verify as `DISABLED`. */
  deactivated_at: string | null
}

/** One of your sessions (`kw.auth.sessions.list()`); never holds the token. */
export interface Session {
  id: number
  created_at: string
  expires_at: string
  /** Updated at most once a minute. */
  last_used_at: string | null
  ip: string | null
  user_agent: string | null
  /** Opened with an API key (a Realm key login), not a password. */
  via_key: boolean
  /** The session this client is using. */
  current: boolean
}

/** `kw.auth.changePassword`. */
export interface ChangePasswordInput {
  current_password: string
  new_password: string
}

/** `POST /v1/users` (admins only). */
export interface CreateUserInput {
  email: string
  password: string
  username?: string
  role?: Role
}

/** An application (a balena "fleet"); owns provisioning keys. */
export interface Application {
  id: number
  actor_id: number
  uuid: string
  slug: string
  name: string
  /** The user who created it (balena's `is_of__user`); its organization, not this user, decides who manages it. */
  owner_user_id: number
  /** The organization it belongs to (its devices and keys follow it). */
  organization_id: number
  created_at: string
}

/** A device of an application; owns device keys. */
export interface Device {
  id: number
  actor_id: number
  uuid: string
  name: string | null
  application_id: number
  created_at: string
}

/** `POST /v1/devices`. */
export interface CreateDeviceInput {
  application_id: number
  name?: string | null
  /** 32 or 62 hex characters; generated when absent. */
  uuid?: string
}

/** Newest-first paging of users, applications and devices. */
export interface PageOptions {
  limit?: number
  /** Return rows with an id below this one. */
  before_id?: number
}

/** Filters of `GET /v1/users`. */
export interface ListUsersFilter extends PageOptions {
  /** Only users whose current password this key chose (what `revoke {minted: true}` of it clears); admins only. */
  password_set_by_key_id?: number
}

/** Filters of `GET /v1/devices`: `organization_id`, only that organization's (none if you do not belong to it). */
export interface ListDevicesFilter extends PageOptions {
  application_id?: number
  organization_id?: number
}

/** `kw.applications.create`: in `organization_id` (default: your personal organization), where you are a member. */
export interface CreateApplicationInput {
  name: string
  organization_id?: number
}

/** `kw.applications.list`: with `organization_id`, only that organization's (none if you do not belong to it). */
export interface ListApplicationsFilter extends PageOptions {
  organization_id?: number
}

/** One audited mutation: who did what to which target, when, from where. */
export interface AuditEvent {
  id: number
  at: string
  actor_id: number | null
  action: string
  target_type: string
  target_id: string | null
  ip: string | null
  /** What the action was given; `key.create`, `key.import` and `key.roll` name the key's `owner` (`{kind, id}`). Never a secret. */
  details: Record<string, unknown>
  /** Whether the target key still exists and you may open it: false for a deleted key and for one you may not see (null for targets that are not keys). */
  target_exists: boolean | null
  /** Keyward acted by itself (a sweeper, a cascade at a deletion); a null `actor_id` otherwise is an anonymous caller. */
  automatic: boolean
}

/** Filters of `GET /v1/audit`. */
export interface AuditFilter extends PageOptions {
  action?: string
  /** Entries about targets of this type; with `target_id`, about that one target. */
  target_type?: AuditTargetType
  /** Entries about the target with this id (an id alone names every type with it: give `target_type`). */
  target_id?: number | string
}

/** What an audit entry can be about (`target_type`). */
export type AuditTargetType =
  'api_key' | 'application' | 'device' | 'identity' | 'organization' | 'realm_session' | 'session' | 'user' | 'webhook'

/** `POST /v1/auth/login` answer. */
export interface LoginResult {
  access_token: string
  token_type: 'Bearer'
  expires_at: string
  user: User
}

/** `GET /v1/auth/whoami`: the calling actor, and the key or user behind the credential. */
export interface WhoAmI {
  actor: { kind: string; id: number; actor_id: number }
  via: 'session' | 'key'
  scopes: string[] | null
  user: User | null
  api_key: ApiKey | null
  /** Set when the credential is a rolled-away secret (a roll's grace period): it stops working then. */
  grace_ends_at: string | null
}

/** The native error envelope: `{"error": {code, message, details?}}`. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown; request_id?: string }
}
