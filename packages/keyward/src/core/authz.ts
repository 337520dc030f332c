import { KeywardError, notFound } from './errors.js'
import { excessLimits } from './limits.js'
import { keyStatusAt, missingScopes } from './policy.js'
import { type Restrictions, excessRestrictions } from './restrictions.js'
import type { ApiKey, NamedLimit, OrgRole, Owner, Principal, Refill, Role } from './types.js'

/** Organization roles, weakest first: each holds every right of those before it. */
export const ORG_ROLES: readonly OrgRole[] = ['viewer', 'member', 'admin', 'owner']

/** Whether `held` (undefined: not a member) is at least `needed`. */
export function orgRoleAtLeast(held: OrgRole | undefined, needed: OrgRole): boolean {
  return held !== undefined && ORG_ROLES.indexOf(held) >= ORG_ROLES.indexOf(needed)
}

/** The principal's role in organization `orgId` (an organization's own key: member of itself), if any. */
export function orgRoleOf(p: Principal, orgId: number | null): OrgRole | undefined {
  if (orgId === null) return undefined
  if (p.owner.kind === 'organization') return p.owner.id === orgId ? 'member' : undefined
  return p.owner.kind === 'user' ? p.orgs[orgId] : undefined
}

/**
 * Whether a principal may see (read) things owned by `owner`: THE read rule.
 * Admin users see everything; a user their own actor and everything of each organization
 * they belong to, whatever their role (its own actor, applications and devices);
 * an organization's key everything of that organization; an application itself and
 * its devices; a device only itself. What is not seen does not exist (404).
 * The store's twin, for lists and queries, is `visibleActors` in `store/visibility.ts`:
 * change both together (`visibleKeyIds` there applies it to the key a `created_by_key_id`
 * names: shown only to who may see that key). What may be changed is `canManageOwner`.
 */
export function canSeeOwner(p: Principal, owner: Owner): boolean {
  const me = p.owner
  if (me.kind === 'user') {
    if (p.role === 'admin' || (owner.kind === 'user' && owner.id === me.id)) return true
    return orgRoleOf(p, owner.organizationId) !== undefined
  }
  if (me.kind === 'organization') return owner.organizationId === me.id
  if (me.kind === 'application') return owner.applicationId === me.id
  return owner.kind === 'device' && owner.id === me.id
}

/**
 * Whether a principal may change (create, roll, disable, revoke, delete) keys owned by
 * `owner` — THE write rule, on top of `canSeeOwner` (seen but not manageable: 403).
 * Viewers change nothing of an organization; members the keys of its applications and
 * devices and the organization's own keys they created (`createdByActorId`; a new key is
 * created by the caller); admins and owners every key of it. A person always manages their
 * own keys; applications, devices and organization keys what they see.
 */
export function canManageOwner(p: Principal, owner: Owner, createdByActorId: number | null): boolean {
  if (!canSeeOwner(p, owner)) return false
  if (p.owner.kind !== 'user' || p.role === 'admin' || owner.kind === 'user')
    return manageSelfOrg(p, owner, createdByActorId)
  const role = orgRoleOf(p, owner.organizationId)
  if (orgRoleAtLeast(role, 'admin')) return true
  if (!orgRoleAtLeast(role, 'member')) return false
  return owner.kind !== 'organization' || createdByActorId === p.owner.actorId
}

/**
 * An organization's own key manages only as the person who made it would as a member (rights never grow): the
 * keys of the organization's applications and devices, and of the organization's own keys those that person made,
 * in a session or through keys. Not every key an organization key made: that let a member's key take the owner's
 * key's products (helper-118). Nothing at all once that person is no longer at least a member, or is unknown
 * (`creatorActorOf` null, `AuthService.makerOf`): a removed or demoted maker's key still rolled, made and deleted
 * the fleet's keys and devices and lifted its identities' limits (helper-127).
 */
function manageSelfOrg(p: Principal, owner: Owner, createdByActorId: number | null): boolean {
  if (p.owner.kind !== 'organization') return true
  const maker = creatorActorOf(p)
  if (maker === null) return false
  return owner.kind !== 'organization' || createdByActorId === maker
}

/**
 * Whom what `p` makes records as its creator (`created_by_actor_id`): the caller's own actor, or for an
 * organization's own key the person behind it (`Principal.makerActorId`; null: none known), so a
 * key made through an organization key is its maker's to manage, as one they made themselves.
 */
export function creatorActorOf(p: Principal): number | null {
  return p.owner.kind === 'organization' ? (p.makerActorId ?? null) : p.owner.actorId
}

/**
 * Whether a key of `keyOwner` may be bound by an identity of `identityOwner`: only within one
 * tenant — one organization (its own keys, its applications', its devices'), or one person's
 * own. Else a person's key could spend an organization's shared credits, and keep spending them
 * after the person left it (a tester's find). Checked wherever a key is linked (`IdentityAccess`).
 */
export function sameTenant(keyOwner: Owner, identityOwner: Owner): boolean {
  return tenantOf(keyOwner) === tenantOf(identityOwner)
}

/** An organization, or for what belongs to none, its responsible user. */
const tenantOf = (o: Owner) => (o.organizationId !== null ? `o${o.organizationId}` : `u${o.userId}`)

/** Throws 403 unless the principal may manage things owned by `owner` (it sees them: else callers answer 404). */
export function requireManageOwner(p: Principal, owner: Owner, createdByActorId: number | null): void {
  if (!canManageOwner(p, owner, createdByActorId))
    throw new KeywardError('forbidden', 'your role in this organization does not allow changing this')
}

/**
 * The organizations whose applications and devices a principal lists (null: every one, for
 * instance admins): `canSeeOwner` for listings that filter by organization rather than by actor.
 */
export function visibleOrgIds(p: Principal): number[] | null {
  if (p.owner.kind === 'organization') return [p.owner.id]
  if (p.owner.kind !== 'user') return []
  return p.role === 'admin' ? null : Object.keys(p.orgs).map(Number)
}

/**
 * Whether `p` may rename or delete the applications of organization `orgId`, on top of `canSeeOwner` (seen but not
 * this: 403): a person who is an admin or owner there, or an instance admin. Members create applications, but a
 * deletion ends every device and key of the fleet. No key of an application, device or organization: an
 * organization's key acts as a member would (`manageSelfOrg`), and a fleet's own keys may not end their fleet.
 */
export function canManageApplications(p: Principal, orgId: number): boolean {
  return p.owner.kind === 'user' && holdsOrgRole(p, orgId, 'admin')
}

/**
 * Whether `p` may delete device `owner` (with its keys), on top of `canSeeOwner`: whoever manages its keys
 * (`canManageOwner`: members of its organization and above, instance admins), in a session, through their own keys
 * or an organization's key (which acts as a member). Not a key of the device or of its application: a fleet's
 * credentials do not remove its devices.
 */
export function canRemoveDevice(p: Principal, owner: Owner): boolean {
  return (p.owner.kind === 'user' || p.owner.kind === 'organization') && canManageOwner(p, owner, null)
}

/** Whether the principal is at least `needed` in `orgId`, or an instance admin (who passes `requireOrgRole`). */
export function holdsOrgRole(p: Principal, orgId: number, needed: OrgRole): boolean {
  return (p.owner.kind === 'user' && p.role === 'admin') || orgRoleAtLeast(orgRoleOf(p, orgId), needed)
}

/**
 * Whether `p` may read organization `orgId`'s invitations, whom they invite: `organizations:read` and
 * the admin role there (InvitationService.list requires both, with distinct refusals). The audit
 * trail shows an invitation entry's email only to them: by role alone, an admin's key holding only
 * `audit:read` read the emails it could not list (a known gap closed 2026-12-02).
 */
export function mayReadInvitations(p: Principal, orgId: number): boolean {
  return holdsScope(p, 'organizations:read') && holdsOrgRole(p, orgId, 'admin')
}

/** Throws 404 unless the principal is at least `needed` in `orgId` (not a member: it does not exist), 403 if below. */
export function requireOrgRole(p: Principal, orgId: number, needed: OrgRole): void {
  if (p.owner.kind === 'user' && p.role === 'admin') return
  const held = orgRoleOf(p, orgId)
  if (held === undefined) throw notFound('organization')
  if (!orgRoleAtLeast(held, needed))
    throw new KeywardError('forbidden', `this needs the "${needed}" role in the organization`)
}

/**
 * Whether a principal may manage a webhook owned by user `ownerUser` (see it, change it,
 * read its deliveries): THE write rule `canManageOwner` applied to the owning user (an admin
 * user any, a user its own; organizations' keys, applications and devices none, since a
 * user's own things are no organization's). What the webhook then receives is bounded by its
 * owner's `userActors` (store/visibility.ts), whose list twin for webhooks is
 * `visibleWebhookOwner` there: change them together.
 */
export function canManageWebhook(p: Principal, ownerUser: Owner): boolean {
  return p.owner.kind === 'user' && canManageOwner(p, ownerUser, ownerUser.actorId)
}

/** Whether the principal holds `scope` (a principal without a scope list holds all). */
export function holdsScope(p: Principal, scope: string): boolean {
  return p.scopes === null || p.scopes.includes(scope)
}

/** Throws 403 unless the principal holds `scope` (`holdsScope`). */
export function requireScope(p: Principal, scope: string): void {
  if (!holdsScope(p, scope)) {
    throw new KeywardError('forbidden', `this credential lacks the "${scope}" scope`, { details: { required: scope } })
  }
}

/**
 * A user's sign-ins — their sessions, their password — are the account itself: only a credential
 * with the user's full rights (a session, or a user's key without scopes) reads or changes them.
 * A key narrowed to other scopes has no rights on Keyward's API, so it must not learn where its
 * user signs in from, sign them out, or set their password (it did all three: an attacker's find).
 * Enforced by AuthService (sessions) and UserLifecycle (password). The one exception is granted by name:
 * `audit:read` reads the audit as its owner would, sign-in addresses included (a log shipper needs them;
 * docs/api.md says so), and nothing else of the account.
 */
export function requireAccountRights(p: Principal, what: string): void {
  if (p.owner.kind !== 'user') throw new KeywardError('forbidden', `only a user can ${what}`)
  if (p.scopes !== null)
    throw new KeywardError('forbidden', `only a session or a key with full rights (no scopes) can ${what}`)
}

/**
 * Whether the principal is an instance admin acting as a user (a session, or a user's key): it
 * sees and manages every user and organization. An organization's key never is, whatever role its
 * maker holds. The store's twin is `visibleActors`' first line (store/visibility.ts).
 */
export function isInstanceAdmin(p: Principal): boolean {
  return p.owner.kind === 'user' && p.role === 'admin'
}

/** Throws 403 unless the principal is an admin user (directly or through a user key). */
export function requireAdmin(p: Principal): void {
  if (!isInstanceAdmin(p)) throw new KeywardError('forbidden', 'administrator rights required')
}

/** Whether the principal may see user `id`: itself, or any as an instance admin. Others: 404. */
export function canSeeUser(p: Principal, id: number): boolean {
  return isInstanceAdmin(p) || (p.owner.kind === 'user' && p.owner.id === id)
}

/** Whether the principal sees organization `orgId`: a member of it, or an instance admin. Others: 404. */
export function canSeeOrganization(p: Principal, orgId: number): boolean {
  return isInstanceAdmin(p) || orgRoleOf(p, orgId) !== undefined
}

/**
 * Whether `p` may grant `role` in `orgId` (a role change or an invitation): organization admins
 * grant up to admin, owners every role, instance admins any — so rights never grow. What the
 * credential doing it must hold besides is `requireMayGrantOrgRole`.
 */
export function mayGrantOrgRole(p: Principal, orgId: number, role: OrgRole): boolean {
  if (isInstanceAdmin(p)) return true
  const held = orgRoleOf(p, orgId)
  return role === 'owner' ? held === 'owner' : orgRoleAtLeast(held, 'admin')
}

/** Scopes Keyward's own API understands. Keys may carry any other scope for the caller's own API. */
export const API_SCOPES = [
  'keys:read',
  'keys:write',
  'keys:verify',
  'users:read',
  'users:write',
  'applications:read',
  'applications:write',
  'devices:read',
  'devices:write',
  'audit:read',
  'webhooks:read',
  'webhooks:write',
  'organizations:read',
  'organizations:write',
] as const

/**
 * How far a credential reaches in time, volume and place: its expiry, named rate limits, usage
 * budget, the identity whose shared limits it obeys, and its context restrictions. All empty for
 * sessions and unlimited keys.
 */
export interface Bounds {
  expiresAt: string | null
  ratelimits: readonly NamedLimit[]
  remaining: number | null
  refill: Refill | null
  identityId: number | null
  restrictions: Restrictions | null
}

/** No expiry, no rate or usage limit, no identity, usable from anywhere. */
export const UNBOUNDED: Bounds = Object.freeze({
  expiresAt: null,
  ratelimits: Object.freeze([]),
  remaining: null,
  refill: null,
  identityId: null,
  restrictions: null,
})

/** What a credential may do: act for `owner` with `scopes` (null: every right of the owner), within `bounds`. */
export interface Rights {
  owner: Owner
  scopes: readonly string[] | null
  bounds: Bounds
  /** Who created the credential (an organization's own keys are their creator's to manage); absent: the producer. */
  createdByActorId?: number | null
}

/** The credential that produces or modifies another: the caller, and the bounds of the key it presents. */
export interface Producer {
  principal: Principal
  bounds: Bounds
}

/** The rights a stored key carries (no scopes: its owner's full rights). */
export function rightsOfKey(
  key: Pick<ApiKey, 'scopes' | 'expiresAt' | 'ratelimits' | 'remaining' | 'refill' | 'identityId' | 'restrictions'> & {
    createdByActorId?: number | null
  },
  owner: Owner,
): Rights {
  const scopes = key.scopes.length > 0 ? key.scopes : null
  return { owner, scopes, bounds: boundsOfKey(key), createdByActorId: key.createdByActorId }
}

/** The bounds of a stored key. */
export function boundsOfKey(
  key: Pick<ApiKey, 'expiresAt' | 'ratelimits' | 'remaining' | 'refill' | 'identityId' | 'restrictions'>,
): Bounds {
  return {
    expiresAt: key.expiresAt,
    ratelimits: key.ratelimits,
    remaining: key.remaining,
    refill: key.refill,
    identityId: key.identityId,
    restrictions: key.restrictions,
  }
}

/**
 * THE derivation rule (DESIGN rule 9, "rights never grow"): why `a` may not
 * produce a credential with rights `b` — create it, roll it (and so hold its
 * secret), re-enable it, or change its scopes, limits or expiry — or null when
 * it may. `b` must lie in what `a` can manage, hold no scope `a` lacks (no
 * scopes = full rights, which only a full-rights caller has), and end no later,
 * allow no more requests and be usable from no more places (addresses, origins) than `a`. Every face reaches this through
 * KeyService and UserService; none holds a rule of its own.
 */
export function excessRights(a: Producer, b: Rights, opts: { bounds: boolean } = { bounds: true }): string | null {
  const createdBy = b.createdByActorId === undefined ? creatorActorOf(a.principal) : b.createdByActorId
  if (!canManageOwner(a.principal, b.owner, createdBy)) return 'it belongs to an owner this credential cannot manage'
  if (!coversScopes(a.principal.scopes, b.scopes))
    return 'it would hold scopes this credential lacks (no scopes means full rights)'
  return opts.bounds ? excessBounds(a.bounds, b.bounds) : null
}

/**
 * `*` (Fluxbase's wildcard) stands for every scope of the caller's own API, never
 * for one of Keyward's `API_SCOPES`: a `*` key may hand out `read:tables`, not `users:write`.
 */
export const WILDCARD_SCOPE = '*'

/** Whether `held` (null: full rights) includes every scope of `wanted` (null: full rights, which only full rights include). */
export function coversScopes(held: readonly string[] | null, wanted: readonly string[] | null): boolean {
  if (held === null) return true
  if (wanted === null) return false
  const native: readonly string[] = API_SCOPES
  return wanted.every((s) => held.includes(s) || (held.includes(WILDCARD_SCOPE) && !native.includes(s)))
}

/**
 * Why bounds `b` reach further than `a` (later expiry, wider restrictions, a looser or missing
 * named limit, larger budget or refill, or leaving `a`'s identity and so its shared limits), or null.
 */
export function excessBounds(a: Bounds, b: Bounds): string | null {
  if (a.expiresAt !== null && (b.expiresAt === null || Date.parse(b.expiresAt) > Date.parse(a.expiresAt)))
    return `it would expire later than this credential, which ends at ${a.expiresAt}: give it an expiry no later`
  const wider = excessRestrictions(a.restrictions, b.restrictions)
  if (wider) return wider
  const limits = excessLimits(a.ratelimits, b.ratelimits)
  if (limits) return limits
  if (a.identityId !== null && b.identityId !== a.identityId)
    return "it would not share this credential's identity (and its limits)"
  if (a.remaining === null) return null
  if (b.remaining === null || b.remaining > a.remaining)
    return "its usage limit would be larger than this credential's remaining uses"
  const af = a.refill
  const bf = b.refill
  if (bf && (!af || bf.amount > af.amount || bf.interval_s < af.interval_s))
    return "its refill would be larger than this credential's"
  return null
}

/** Throws 403 unless `a` may produce (or take over) a credential with rights `b`; see `excessRights`. */
export function requireCovers(a: Producer, b: Rights, what: string, opts?: { bounds: boolean }): void {
  const why = excessRights(a, b, opts)
  if (why) throw new KeywardError('forbidden', `this credential cannot ${what}: ${why}`)
}

/**
 * A password the caller chooses (a new user's, or a reset) is a login the caller holds from
 * then on: it must not outlive or escape the caller's key. So the producer must be unbounded
 * (no expiry, limits, restrictions or identity, not a rolled-away secret in its grace period:
 * `producerOf`); a reset also hands over every right the user has, so it takes full scopes too.
 */
export function requireMayIssueLogin(a: Producer, takesOverAccount: boolean): void {
  const why = excessBounds(a.bounds, UNBOUNDED)
  if (why)
    throw new KeywardError('forbidden', `this credential cannot set a password: the login ${why.replace(/^it /, '')}`)
  if (takesOverAccount && a.principal.scopes !== null)
    throw new KeywardError('forbidden', "only a credential with full rights (no scopes) can reset a user's password")
}

/**
 * What loosens other credentials' bounds must come from a producer with none of its own: an
 * identity's shared limits and credits bind every key linked to it (changing or deleting them
 * lifts those keys' limits), so a key that expires, is limited, restricted or in an identity —
 * or a rolled-away secret in its grace period — may not do it. Enforced by IdentityService.
 */
export function requireUnbounded(a: Producer, what: string): void {
  if (excessBounds(a.bounds, UNBOUNDED) !== null)
    throw new KeywardError('forbidden', `only a credential without limits of its own can ${what}`)
}

/**
 * An application's key registers devices whose keys outlive its bounds and its producer's
 * ('registration', device-registration.ts): made by a bounded key, it is that key's unbounded
 * twin one hop away (a reviewer's find; by import, a tester's). So only a producer without
 * bounds makes one, created or imported.
 */
export function requireMayMakeKeyOf(a: Producer, owner: Owner): void {
  if (owner.kind === 'application')
    requireUnbounded(a, "create an application's key (the device keys it registers outlive its bounds)")
}

/** What configuring a webhook takes (`requireMayConfigureWebhook`), and keeping it delivering. */
export const WEBHOOK_CONFIGURING_SCOPES: readonly string[] = ['webhooks:write', 'keys:read']

/**
 * A webhook is a standing read of its owner's key events, sent where its configurer chose and
 * signed with a secret only they got: configuring one (creating it, a new target or events, a new
 * secret) takes `keys:read` as well as `webhooks:write` — or a `webhooks:write` key read every key
 * of its owner, an admin's every key (found by an attacker) — from a producer with no bounds to
 * outlive (expiry, limits, restrictions, identity, grace). It then delivers only while the key
 * that configured it lives with those scopes and no bounds, and its user may still manage the
 * owner's webhooks (`webhookConfigurerLapse` below). Enforced by WebhookService.
 */
export function requireMayConfigureWebhook(a: Producer): void {
  for (const scope of WEBHOOK_CONFIGURING_SCOPES) requireScope(a.principal, scope)
  requireUnbounded(a, 'configure a webhook, which would outlive them')
}

/** A webhook's configurer as the send-time check reads it: their user, and the key used if one was. */
export interface WebhookConfigurer {
  ownerUserId: number
  /** Null: the owner configured it (checked as the owner), or it predates migration 0020. */
  userId: number | null
  user: { role: string; deactivated_at: string | null; deleted_at: string | null } | undefined
  keyId: number | null
  key: ApiKey | undefined
  /** The key whose `revoke {minted: true}` ended the line of the login that configured it (migration 0036). */
  lineEndedBy: number | null
}

/**
 * The send-time half of `requireMayConfigureWebhook`: why a webhook may not deliver now, or null.
 * Its configurer must still manage the owner's webhooks — themselves, or an active admin
 * (`canManageWebhook`, read from the store) — or an admin demoted or deactivated kept a webhook
 * they made for someone else sending that person's key events where they chose (an attacker's
 * find). The key, if a key did it, must be `active` by the status verify answers with, hold the
 * scopes and have no bounds: given a limit since (an admin's PATCH), it could configure none now.
 * Read for each claimed delivery by `configurerGone` (store/webhook-configurer.ts).
 */
export function webhookConfigurerLapse(c: WebhookConfigurer, nowMs: number): string | null {
  return configuringLineLapse(c) ?? configuringUserLapse(c) ?? configuringKeyLapse(c, nowMs)
}

/**
 * Configured through a key (by it, a key it made, or a login of a password it chose), that key since revoked with
 * what it made: the key's holder may have configured it (`KeyLineage`; an attacker's find: it went on sending after
 * the revoke), and been shown its secret. Its owner, or an admin, rotates the secret (checking its URL) to resume: a
 * new URL alone would send events signed with a secret the holder may know (`WebhookService.rotateSecret`).
 */
function configuringLineLapse(c: WebhookConfigurer): string | null {
  if (c.lineEndedBy === null) return null
  return `not sent: configured through key ${c.lineEndedBy} (by it, or a login of a password it chose), revoked with what it made; check its URL and rotate its secret to resume`
}

function configuringUserLapse(c: WebhookConfigurer): string | null {
  if (c.userId === null || c.userId === c.ownerUserId) return null
  const who = 'not sent: whoever configured this webhook for its owner'
  if (!c.user || c.user.deleted_at !== null) return `${who} was deleted`
  if (c.user.deactivated_at !== null) return `${who} is deactivated`
  return c.user.role === 'admin' ? null : `${who} is no longer an administrator`
}

function configuringKeyLapse(c: WebhookConfigurer, nowMs: number): string | null {
  if (c.keyId === null) return null
  const was = 'not sent: the key that configured this webhook'
  if (!c.key) return `${was} was deleted`
  const status = keyStatusAt(c.key, nowMs)
  if (status !== 'active') return `${was} is ${status}`
  const lacks = c.key.scopes.length > 0 ? missingScopes(c.key.scopes, WEBHOOK_CONFIGURING_SCOPES) : []
  if (lacks.length) return `${was} no longer holds ${lacks.join(' and ')}`
  return excessBounds(boundsOfKey(c.key), UNBOUNDED) === null ? null : `${was} has limits of its own now`
}

/**
 * Organization roles: a role is a login's rights in the organization, with no scopes and no end
 * (a viewer reads its keys and audit trail and subscribes webhooks to them, a member also makes
 * keys), so only a credential with full, unbounded rights (no scopes, no limits) grants one — any
 * role, by a role change or an invitation. Until 2026-12-02 this held for admin and owner only,
 * and a key scoped to `organizations:*` invited an address of its own as a member, accepted with a
 * password it chose, and listed and made the organization's keys (an attacker's find). Any
 * invitation also opens a login whose password its holder chooses (`requireMayIssueLogin`).
 * Enforced by MembershipService.setRole and InvitationService.create (and at acceptance, on the
 * maker's rights then: `makerStillMay`).
 */
export function requireMayGrantOrgRole(a: Producer, role: OrgRole): void {
  if (a.principal.scopes !== null || excessBounds(a.bounds, UNBOUNDED) !== null) {
    throw new KeywardError(
      'forbidden',
      `only a credential with full rights (no scopes, no limits) can grant the organization "${role}" role`,
    )
  }
}

/**
 * The same rule for users: an admin holds full, unbounded admin rights, so only a
 * credential that has them (an admin session, an unscoped unlimited admin key)
 * grants the admin role. `users:write` alone is not admin.
 */
export function requireMayGrantRole(a: Producer, role: Role): void {
  requireAdmin(a.principal)
  if (role !== 'admin') return
  if (a.principal.scopes !== null || excessBounds(a.bounds, UNBOUNDED) !== null) {
    throw new KeywardError(
      'forbidden',
      'only a credential with full administrator rights (no scopes, no limits) can grant the admin role',
    )
  }
}
