import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

/**
 * Table shapes. Times are ISO-8601 UTC text in both dialects: one representation,
 * ordered lexicographically, and no driver-specific Date/bigint conversions.
 * JSON columns are text for the same reason.
 */
export interface ActorTable {
  id: Generated<number>
  kind: 'user' | 'application' | 'device' | 'organization'
  created_at: string
}

export interface UserTable {
  id: Generated<number>
  actor_id: number
  email: string
  username: string
  password_hash: string
  role: 'admin' | 'member'
  created_at: string
  /** Set while the user is deactivated (migration 0012): no login, no session, their keys verify as DISABLED. */
  deactivated_at: string | null
  /** Set when the user was deleted: the row is a tombstone (email and username released) kept for audit. */
  deleted_at: string | null
  /** Set once a deleted user's keys are all revoked (migration 0016); null: unfinished, the sweeper's to finish. */
  keys_ended_at: string | null
  /** Set (0, then the last key id announced) while a (de)activation's key events are owed (migration 0019). */
  keys_announced_through: number | null
  /**
   * The key whose credential chose the current password (creating the user, or a reset), when one did
   * (migration 0032); null when the user, a session, or an invitation's acceptance chose it. A login its holder
   * knows: `revoke {minted: true}` of that key clears it (`UserLifecycle.endLoginsSetBy`).
   */
  password_set_by_key_id: Generated<number | null>
}

export interface ApplicationTable {
  id: Generated<number>
  actor_id: number
  uuid: string
  slug: string
  name: string
  /** The user who created it (balena's `is_of__user`); who may manage it follows `organization_id`. */
  owner_user_id: number
  /** Set for every row (migration 0011 fills older ones; SQLite cannot add a NOT NULL column without a default). */
  organization_id: number
  created_at: string
}

/** An organization (migration 0011): owns applications and its own keys through its actor. */
export interface OrganizationTable {
  id: Generated<number>
  actor_id: number
  /** Unique, lower case; a personal organization takes its user's username when free. */
  handle: string
  name: string
  /** The user whose personal organization this is (made at sign-up); null for shared ones. */
  personal_user_id: number | null
  created_at: string
  /** When its deletion began (migration 0017): from then on its members hear of none of its keys' events. */
  deleting_at: string | null
}

/** A user's role in an organization; one row per (organization, user). */
export interface OrganizationMembershipTable {
  id: Generated<number>
  organization_id: number
  user_id: number
  role: 'owner' | 'admin' | 'member' | 'viewer'
  created_at: string
}

/** An invitation to join an organization; only the SHA-256 of its token is stored. */
export interface OrganizationInvitationTable {
  id: Generated<number>
  organization_id: number
  email: string
  role: 'owner' | 'admin' | 'member' | 'viewer'
  token_hash: string
  invited_by_user_id: number | null
  /** The key it was made with (migration 0015); null: a session's, or made before 0015. */
  invited_by_key_id: number | null
  created_at: string
  expires_at: string
  accepted_at: string | null
  accepted_by_user_id: number | null
  revoked_at: string | null
  /** JSON key ids: made by a login of a password those keys chose (migration 0035); null: none. */
  password_line: Generated<string | null>
}

export interface DeviceTable {
  id: Generated<number>
  actor_id: number
  uuid: string
  name: string | null
  application_id: number
  registered_with_key_id: number | null
  created_at: string
}

export interface ApiKeyTable {
  id: Generated<number>
  actor_id: number
  kind: 'user' | 'provisioning' | 'device'
  name: string | null
  description: string | null
  hash: string
  key_prefix: string
  /** Hash of the secret replaced by the last roll, accepted until `previous_hash_expires_at`. */
  previous_hash: string | null
  previous_hash_expires_at: string | null
  scopes: string
  meta: string
  expires_at: string | null
  disabled_at: string | null
  revoked_at: string | null
  revoked_reason: string | null
  /** JSON list of named limits (`NamedLimit`), sorted by name; migration 0010. */
  ratelimits: Generated<string>
  identity_id: number | null
  remaining: number | null
  refill_amount: number | null
  refill_interval_s: number | null
  last_refill_at: string | null
  /**
   * The usage budget the key was last given: `remaining` as set on create, import or PATCH, or
   * the refill amount when a refill applied (migration 0014). Null: no budget, or a key from
   * before 0014 whose initial value was never stored. `key.usage_low` compares `remaining` with it.
   */
  usage_budget: number | null
  /** When that budget was given (or the refill changed): `key.usage_low` is emitted once per value. */
  usage_budget_at: string | null
  last_used_at: string | null
  created_by_actor_id: number | null
  /** The key its creator authenticated with (directly or through a key-opened session); migration 0013. */
  created_by_key_id: number | null
  /** The grace end of the rolled-away secret that made this key, if one did (migration 0027; `KeyLineage.endGrace`). */
  created_in_grace_until: string | null
  /**
   * The key whose credential made this key's current secret by rolling it, when another key did (migration
   * 0031; null: its owner, a session, or the key itself). `revoke {minted: true}` of that key ends this one.
   */
  secret_made_by_key_id: Generated<number | null>
  /** The same for the secret in its grace period (`previous_hash`), while it has one. */
  previous_secret_made_by_key_id: Generated<number | null>
  created_at: string
  updated_at: string
  /** JSON `{ip_allow?, origin_allow?}` (core/restrictions.ts); null: usable from anywhere. Migration 0009. */
  restrictions: string | null
  /** The key's id in the system it was imported from, unique per owner (migration 0009); null otherwise. */
  external_id: string | null
}

export interface SessionTable {
  id: Generated<number>
  token_hash: string
  user_id: number
  created_at: string
  expires_at: string
  ip: string | null
  /** The API key the session was opened with (null: a password or anonymous login); see migration 0006. */
  origin_key_id: number | null
  /** SHA-256 of the secret presented at login: the session lives while that secret still verifies. */
  origin_key_hash: string | null
  /** When the session last authenticated a request (written at most once a minute per node; migration 0012). */
  last_used_at: string | null
  /** The User-Agent header of the login request, when recorded. */
  user_agent: string | null
  /** JSON key ids: the keys the password it was opened with was made through (migration 0034); null: none. */
  password_line: Generated<string | null>
}

export interface AuditEventTable {
  id: Generated<number>
  at: string
  /** Who did it (null: the system, e.g. bootstrap). */
  actor_id: number | null
  action: string
  target_type: string
  target_id: string | null
  /** Actor owning the target, so members can read the trail of their own things. */
  owner_actor_id: number | null
  ip: string | null
  details: string
}

/** A long-lived refresh token of a Realm or Fluxbase session; only its hash is stored. */
export interface RefreshTokenTable {
  id: Generated<number>
  token_hash: string
  face: 'realm' | 'fluxbase'
  /** How the session was opened: `local-userpass`, `api-key` or `anon-user`. */
  provider: string
  /** The actor the session acts as; null for anonymous sessions. */
  actor_id: number | null
  /** The user id the client sees. */
  subject: string
  /** JSON scopes of the key that opened the session; null: full rights. */
  scopes: string | null
  device_id: string | null
  /** The native session a Fluxbase refresh token renews. */
  session_id: number | null
  created_at: string
  expires_at: string
  ip: string | null
  /** The API key the session was opened with (null: a password or anonymous login); see migration 0006. */
  origin_key_id: number | null
  /** SHA-256 of the secret presented at login: the session lives while that secret still verifies. */
  origin_key_hash: string | null
  /** JSON key ids: the keys the password it was opened with was made through (migration 0034); null: none. */
  password_line: Generated<string | null>
}

/** Shared limits and credits of one customer of an owner (migration 0010). */
export interface IdentityTable {
  id: Generated<number>
  owner_actor_id: number
  external_id: string
  meta: string
  ratelimits: string
  remaining: number | null
  refill_amount: number | null
  refill_interval_s: number | null
  last_refill_at: string | null
  /** Goes up whenever `remaining` is set anew (migration 0025): a give-back lands only in its own epoch. */
  credits_epoch: Generated<number>
  created_at: string
  updated_at: string
}

/** Verifications of one key on one UTC day with one outcome (`VALID` or a refusal code). */
export interface KeyUsageTable {
  key_id: number
  /** UTC day, `YYYY-MM-DD`. */
  day: string
  code: string
  /** `bigint` on PostgreSQL, which node-postgres reads as a string: read it through `Number`. */
  count: number | string
}

/** The token of a usage-counter chunk written on PostgreSQL (migration 0018: why). */
export interface UsageClaimTable {
  token: string
  written_at: string
}

/** Secrets shared by all nodes on one database (e.g. the Realm token signing secret). */
export interface ServerSecretTable {
  name: string
  value: string
  created_at: string
}

/** The outbox: one row per key change, written in the change's transaction (migration 0008). */
/** A GitHub secret-scanning match acted on, by its digest (migration 0024, `leak-reports.ts`). */
export interface LeakReportTable {
  digest: string
  reported_at: string
}

/** What the servers of this database share state through (migration 0021, `cluster-settings.ts`). */
export interface ClusterSettingTable {
  name: string
  value: string
  updated_at: string
}

export interface KeyEventTable {
  id: Generated<number>
  /** `key.created`, `key.revoked`, … or `webhook.test`. */
  type: string
  key_id: number | null
  /** The key's owner actor when the event was written: decides which members' webhooks receive it. */
  actor_id: number | null
  /** The organization the key belonged to then (migration 0039): its members' webhooks receive it too. */
  organization_id: number | null
  /** JSON: the key as the API lists it (never a secret or hash). */
  data: string
  created_at: string
  /** When the event was fanned out into deliveries; null: not yet. */
  dispatched_at: string | null
}

/** A subscription of a user to key events, signed with its own secret (stored encrypted). */
export interface WebhookTable {
  id: Generated<number>
  user_id: number
  url: string
  /** JSON array of event types. */
  events: string
  description: string | null
  /** The signing secret, encrypted (`services/webhooks/secret-box.ts`). */
  secret: string
  created_at: string
  updated_at: string
  /** The user who last set its target, events or secret (migration 0020; null: before it). */
  configured_by_user_id: number | null
  /** The key they used; null: a session (migration 0020). */
  configured_by_key_id: number | null
  /** The secret the last rotation replaced, sealed, while it signs beside `secret` (migration 0026). */
  previous_secret: string | null
  /** Until when `previous_secret` signs; null with it. */
  previous_secret_expires_at: string | null
  /** JSON key ids: configured by a login of a password those keys chose (migration 0036); null: none. */
  configured_line: string | null
  /** The key whose minted revoke ended `configured_line`: nothing is sent until it is configured again. */
  line_ended_by_key_id: number | null
}

/** One event for one webhook: `pending` until it succeeds or its 24 h of retries end (`failed`). */
export interface WebhookDeliveryTable {
  id: Generated<number>
  webhook_id: number
  event_id: number
  /** Deliveries of one key to one webhook go out in id order. */
  key_id: number | null
  status: 'pending' | 'succeeded' | 'failed'
  attempts: Generated<number>
  next_attempt_at: string
  /** A node is attempting it until then; another node may take it over afterwards. */
  lease_until: string | null
  last_attempt_at: string | null
  response_status: number | null
  latency_ms: number | null
  last_error: string | null
  created_at: string
}

/** A scheduled event already emitted for a key (`services/webhooks/key-sweeper.ts`): at most once per marker. */
export interface KeyEventMarkerTable {
  key_id: number
  type: string
  /** What makes the event new: the expiry date, the last use, the last refill. */
  marker: string
}

export interface Database {
  actor: ActorTable
  user: UserTable
  application: ApplicationTable
  device: DeviceTable
  api_key: ApiKeyTable
  session: SessionTable
  audit_event: AuditEventTable
  refresh_token: RefreshTokenTable
  server_secret: ServerSecretTable
  key_usage: KeyUsageTable
  usage_claim: UsageClaimTable
  key_event: KeyEventTable
  cluster_setting: ClusterSettingTable
  leak_report: LeakReportTable
  webhook: WebhookTable
  webhook_delivery: WebhookDeliveryTable
  key_event_marker: KeyEventMarkerTable
  organization: OrganizationTable
  organization_membership: OrganizationMembershipTable
  organization_invitation: OrganizationInvitationTable
  identity: IdentityTable
  api_key_origin: ApiKeyOriginTable
  user_password_origin: UserPasswordOriginTable
}

/** What of key `key_id` was made through key `origin_key_id` (migration 0033, `store/key-origins.ts`). */
export type OriginOf = 'key' | 'secret' | 'previous'

/** The keys further up a key's line than its maker columns reach (migration 0033). */
export interface ApiKeyOriginTable {
  key_id: number
  part: OriginOf
  origin_key_id: number
}

/** The keys further up the line of the key that chose a user's password (migration 0033). */
export interface UserPasswordOriginTable {
  user_id: number
  origin_key_id: number
}

export type ApiKeyRow = Selectable<ApiKeyTable>
export type NewApiKeyRow = Insertable<ApiKeyTable>
export type ApiKeyUpdate = Updateable<ApiKeyTable>
export type IdentityRow = Selectable<IdentityTable>
export type UserRow = Selectable<UserTable>
export type ApplicationRow = Selectable<ApplicationTable>
export type DeviceRow = Selectable<DeviceTable>
export type AuditEventRow = Selectable<AuditEventTable>
export type RefreshTokenRow = Selectable<RefreshTokenTable>
export type WebhookRow = Selectable<WebhookTable>
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>
export type OrganizationRow = Selectable<OrganizationTable>
export type MembershipRow = Selectable<OrganizationMembershipTable>
export type InvitationRow = Selectable<OrganizationInvitationTable>
