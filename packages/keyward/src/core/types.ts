import type { Restrictions } from './restrictions.js'

/** Domain types shared by services, stores and faces. Times are ISO-8601 UTC strings. */

export type ActorKind = 'user' | 'application' | 'device' | 'organization'
/** The largest row id: PostgreSQL's `integer`. A larger one from a request is refused, not sent to the database (a 500 there). */
export const MAX_ROW_ID = 2_147_483_647

export type KeyKind = 'user' | 'provisioning' | 'device'
export type KeyStatus = 'active' | 'expired' | 'disabled' | 'revoked'
export type Role = 'admin' | 'member'

/** A user's role in one organization (services/orgs/), weakest first: see `ORG_ROLES` in core/authz.ts. */
export type OrgRole = 'viewer' | 'member' | 'admin' | 'owner'

/** The key kind follows from who owns it. */
export const keyKindOf: Record<ActorKind, KeyKind> = {
  user: 'user',
  application: 'provisioning',
  device: 'device',
  // An organization's own keys are service keys held like a person's: balena's user-key kind.
  organization: 'user',
}

export interface RateLimit {
  limit: number
  window_s: number
}

/**
 * A named request limit: at most `limit` credits per `window_s` seconds. An `auto_apply`
 * limit is checked on every verification (cost 1 unless the request names it with a cost);
 * the others only when a verification names them. The legacy single `rate_limit` is the
 * limit named `default` (always auto-applied).
 */
export interface NamedLimit {
  name: string
  limit: number
  window_s: number
  auto_apply: boolean
}

export interface Refill {
  amount: number
  interval_s: number
}

/**
 * The owner of a key as the verifier needs it: who it is, and which user
 * (if any) is responsible for it, so authorization is a pure check.
 */
export interface Owner {
  kind: ActorKind
  /** user, application or device id */
  id: number
  actorId: number
  /**
   * The user responsible for this actor: itself for a user, the application's creator for
   * applications and devices, 0 (no user) for an organization: its keys outlive any person.
   */
  userId: number
  /** Set for applications (itself) and devices (their application). */
  applicationId: number | null
  /**
   * The organization this actor belongs to: itself for an organization, its organization for an
   * application, its application's for a device; null for a user (a person's own keys are theirs).
   */
  organizationId: number | null
}

/** A stored key as the domain sees it. Never holds the plaintext. */
export interface ApiKey {
  id: number
  actorId: number
  /** Who owns the key: a user, application or device id (not the actor id). */
  owner: { kind: ActorKind; id: number }
  kind: KeyKind
  name: string | null
  description: string | null
  keyPrefix: string
  scopes: string[]
  meta: Record<string, unknown>
  expiresAt: string | null
  /** Set by the key's own disable; enable clears it. */
  disabledAt: string | null
  /**
   * When the person responsible for the key (its own user, or the user of the personal
   * organization it, its application or its device belongs to; never a shared organization's)
   * was deactivated or deleted, else null. The key is `disabled` meanwhile (`keyStatusAt`), its
   * own `disabledAt` untouched, so reactivation restores exactly the keys that were live.
   */
  userDeactivatedAt: string | null
  /**
   * Until when the secret replaced by the last roll still verifies (its grace period), else null;
   * past that time the field may still hold it: `keyView` shows it only while it is ahead.
   */
  previousSecretExpiresAt: string | null
  revokedAt: string | null
  revokedReason: string | null
  /** Named limits, sorted by name; `default` is the legacy `rate_limit`. */
  ratelimits: readonly NamedLimit[]
  /** The identity whose shared limits and credits this key also obeys. */
  identityId: number | null
  remaining: number | null
  refill: Refill | null
  lastRefillAt: string | null
  lastUsedAt: string | null
  /** Where the key may be used; null: anywhere (core/restrictions.ts). */
  restrictions: Restrictions | null
  /** Its id in the system it was imported from (unique per owner); null for keys made here. */
  externalId: string | null
  createdByActorId: number | null
  /** The key that produced this one (its creator's credential), or null: see migration 0013. */
  createdByKeyId: number | null
  /**
   * Set when that key's rolled-away secret made this one: the end its grace period was promised (migration
   * 0027). Such a key ends with that secret when its grace period is cut short (`KeyLineage.revokeGraceProducts`).
   */
  createdInGraceUntil: string | null
  createdAt: string
  updatedAt: string
}

/**
 * The fields of a key that verification reads or answers: all a cached entry keeps
 * (`services/keys/cache-entry.ts`); names, timestamps and the prefix are never answered by verify.
 */
export type VerifiableKey = Pick<
  ApiKey,
  | 'id'
  | 'scopes'
  | 'meta'
  | 'expiresAt'
  | 'disabledAt'
  | 'userDeactivatedAt'
  | 'revokedAt'
  | 'ratelimits'
  | 'remaining'
  | 'refill'
>

/**
 * A customer's shared limits (Unkey's identities): every key linked to it obeys its named
 * limits and, when it has them, spends its credits (`remaining`, `refill`).
 */
export interface Identity {
  id: number
  /** The actor owning it; `external_id` is unique per owner. */
  ownerActorId: number
  externalId: string
  meta: Record<string, unknown>
  ratelimits: readonly NamedLimit[]
  remaining: number | null
  refill: Refill | null
  /** When the refill last ran (or was set); lazy refills are due from it (core/limits.ts). */
  lastRefillAt: string | null
  createdAt: string
  updatedAt: string
}

/** What verification needs of a key's identity (cached with the key; `remaining` says only whether it has credits). */
export type VerifiableIdentity = Pick<Identity, 'id' | 'ratelimits' | 'remaining' | 'refill'>

export interface User {
  id: number
  actorId: number
  email: string
  username: string
  role: Role
  createdAt: string
  /** Set while deactivated: the user cannot log in and every key they are responsible for is refused. */
  deactivatedAt: string | null
}

export interface Application {
  id: number
  actorId: number
  uuid: string
  slug: string
  name: string
  ownerUserId: number
  /** The organization the application (and so its devices and keys) belongs to. */
  organizationId: number
  createdAt: string
}

export interface Device {
  id: number
  actorId: number
  uuid: string
  name: string | null
  applicationId: number
  registeredWithKeyId: number | null
  createdAt: string
}

/**
 * Who is calling. `scopes: null` means the full rights of the actor (a session,
 * or a key without scopes); a list narrows them.
 */
export interface Principal {
  owner: Owner
  role: Role
  /**
   * The organizations a user belongs to, id → role (empty for other callers; an organization's
   * own key reaches its organization through `owner.organizationId`). Read with the user, through
   * the same cache and bus (`SessionCache`), so a removal reaches every node at once.
   */
  orgs: Readonly<Record<number, OrgRole>>
  scopes: string[] | null
  via: 'session' | 'key'
  keyId: number | null
  sessionId: number | null
  /**
   * Set when the secret behind this credential (the key presented, or the key a session was
   * opened with) is a rolled-away one in its grace period: when that grace period ends. What
   * the credential produces ends no later (`producerOf`); absent for every other credential.
   */
  graceEndsAt?: string
  /**
   * The SHA-256 of that secret, when a key is behind this credential: what it makes is written only while the
   * secret is still one of the key's (`isLiveProducer`; a roll committing meanwhile left a create with the new
   * secret's line, an attacker's find).
   */
  keyHash?: string
  /**
   * Set on a login opened with a password a key chose (directly, or through keys further up): the keys that
   * password was made through, and the stored credential the login lives in. What it makes is made through those
   * keys, and ends with their `revoke {minted: true}` (`store/key-origins.ts`, invariant 7).
   */
  passwordLine?: LoginLine
  /**
   * For an organization's own key: the actor of the person it acts for, the user who made it (directly,
   * or through keys they made: the key's `created_by_actor_id`, which records that person for keys made
   * by organization keys too, migration 0037), while that person is still at least a member of the
   * organization (`AuthService.makerOf`); null otherwise. Such a key manages what that person would as
   * a member (`authz.manageSelfOrg`), and what it makes is recorded as theirs (`authz.creatorActorOf`).
   * Null for every other key; absent for a session.
   */
  makerActorId?: number | null
}

/** A login's password line (`Principal.passwordLine`): never empty; made only while `credential` is stored. */
export interface LoginLine {
  keys: readonly number[]
  credential: { table: 'session' | 'refresh_token'; id: number }
}

/**
 * The API key a session or refresh token was opened with: its id (named in audit
 * entries) and the SHA-256 of the secret presented. A credential with an origin
 * lives only while that secret still verifies (DESIGN.md, "Sessions record their origin").
 */
export interface CredentialOrigin {
  keyId: number
  keyHash: string
}
