import type { Clock } from '../../core/clock.js'
import { KeywardError, keyRateLimited } from '../../core/errors.js'
import { keyStatus, narrowScopes } from '../../core/policy.js'
import type { CallContext } from '../../core/restrictions.js'
import type { CredentialOrigin, Owner, Principal, User } from '../../core/types.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { KeyLookup } from '../../store/key-repository.js'
import type { OrgRepository } from '../../store/org-repository.js'
import type { SessionRepository, StoredSession } from '../../store/session-repository.js'
import type { Verifier } from '../keys/verifier.js'
import { type VerifyCache, credentialTag } from '../keys/verify-cache.js'

const TOUCH_INTERVAL_MS = 60_000
const TOUCHED_LIMIT = 10_000

/**
 * How a credential checks its origin key (`liveOrigin`): `use` spends one use of it (a request
 * made with the credential); `peek` spends nothing (right after the login's own verification spent
 * one, and a logout's audit entry).
 */
export type OriginCheck = 'use' | 'peek'

const unknownSession = () => new KeywardError('unauthorized', 'session expired or unknown; log in again')
const outsideRestrictions = () =>
  new KeywardError(
    'unauthorized',
    'the API key this session was opened with may not be used from here (FORBIDDEN_CONTEXT)',
  )
const spentOrigin = () =>
  new KeywardError(
    'unauthorized',
    "the API key this session was opened with has no uses left (USAGE_EXCEEDED): it works again once its budget (or its identity's) is raised or refilled",
    { details: { code: 'USAGE_EXCEEDED' } },
  )
const limitedOrigin = 'the API key this session was opened with is over its rate limit'
const deadOrigin = () =>
  new KeywardError('unauthorized', 'the API key this session was opened with is no longer valid; log in again')

/**
 * Resolves the caller's own credential at cache speed: native session tokens
 * (dashboard, CLI, `kwsess_…`, Fluxbase access tokens) through the verify cache's
 * LRU and invalidation bus, like verified keys. The invariants, each enforced where named:
 *
 * 1. A cached session is the database row as of its last invalidation: every end of
 *    a session (logout, Fluxbase refresh, user removal) goes through `end` or
 *    `forgetUser`, which evict here and on every node before the response is sent.
 * 2. A session past `expiresAt` is refused from the entry itself (`principal`): expiry
 *    needs no invalidation, and the sweeper's later delete changes nothing visible.
 * 3. A database answer that raced an invalidation is not cached (`version`, as for keys).
 * 4. A credential with an origin key authenticates only while the secret it was opened
 *    with still verifies (`liveOrigin`): that lookup is the verifier's, by hash, so every
 *    key write (revoke, disable, delete, roll) already evicts it on every node, and
 *    expiry is read from the entry with the injected clock.
 * 5. Its rights never exceed the origin key's current scopes (`principal`, TokenService).
 * 6. A deactivated user has no session (`principal`), even one a race let through `endAllOf`:
 *    the user entry is re-read after every change to the user (`forgetUser`).
 * 7. Every use of a credential opened with a key is a use of that key (`liveOrigin`, `use`): it
 *    takes a credit from the key's (and its identity's) budget and counts against its auto-applied
 *    rate limits, as the key's own request would; one use of a single-use key bought unlimited
 *    requests before. The use that opens the credential is the login's own verification (`peek` after it).
 */
export class SessionCache {
  /** When each session's use was last written by this node (bounded: cleared when full). */
  private readonly touched = new Map<number, number>()

  constructor(
    private readonly sessions: SessionRepository,
    private readonly actors: ActorRepository,
    private readonly cache: VerifyCache,
    private readonly verifier: Verifier,
    private readonly clock: Clock,
    /** Organization roles (services/orgs/), cached beside the user under `m:<user id>`. */
    private readonly orgRoles: Pick<OrgRepository, 'rolesOf'>,
  ) {}

  /** The principal of a native session token's hash, used from `context`, or 401. */
  async principal(tokenHash: string, context: CallContext | null): Promise<Principal> {
    const s = await this.session(tokenHash)
    if (!s || Date.parse(s.expiresAt) <= this.clock.now().getTime()) throw unknownSession() // invariant 2
    const user = await this.user(s.userId)
    if (!user || user.deactivatedAt !== null) throw unknownSession() // invariant 6
    this.touch(s.id)
    const base = userPrincipal(user, s.id, await this.orgsOf(user.id))
    // What a password login makes is made through the keys its password was (`key-origins.ts` invariant 7). Set on
    // the fresh object, not spread into a copy: every request of a session builds its principal here.
    if (s.line) base.passwordLine = { keys: s.line, credential: { table: 'session', id: s.id } }
    if (!s.origin) return base
    const key = await this.liveOrigin(s.origin, context, 'use') // invariants 4 and 7
    const origin = { keyId: s.origin.keyId, keyHash: s.origin.keyHash }
    return { ...base, ...origin, scopes: narrowScopes(null, scopesOf(key)), ...graceOf(key) } // invariant 5
  }

  /**
   * The origin key's lookup while the secret it was opened with still verifies, and may be used
   * from `context` (its restrictions, as the verifier checks them for the key itself), else 401 (invariant 4).
   * `use` also spends one use of the key (invariant 7): 401 once its credits are spent, 429 over its rate limit.
   */
  async liveOrigin(origin: CredentialOrigin, context: CallContext | null, check: OriginCheck): Promise<KeyLookup> {
    const found = await this.verifier.lookupHash(origin.keyHash)
    const now = this.clock.now()
    if (!found || found.key.id !== origin.keyId || keyStatus(found.key, now) !== 'active') throw deadOrigin()
    // A rolled-away secret lives on only for its grace period, as in the verifier.
    if (
      found.matchedPrevious &&
      !(found.previousHashExpiresAt && Date.parse(found.previousHashExpiresAt) > now.getTime())
    )
      throw deadOrigin()
    if (found.contextRule && !found.contextRule.allows(context ?? undefined)) throw outsideRestrictions()
    if (check === 'use') await this.spend(found) // invariant 7
    return found
  }

  /** One use of the origin key: a credit and its rate limits, as the key's own request (invariant 7). */
  private async spend(found: KeyLookup): Promise<void> {
    const v = await this.verifier.useDerived(found)
    if (v.code === 'USAGE_EXCEEDED') throw spentOrigin()
    // The limiter's windows run on real time, not the injected clock: the wait is measured on it too.
    if (v.code === 'RATE_LIMITED') throw keyRateLimited(limitedOrigin, v.ratelimit?.reset_at, Date.now())
  }

  /** Ends a native session (and the refresh tokens renewing it) and evicts it on every node (invariant 1). */
  async end(sessionId: number): Promise<void> {
    const hashes = await this.sessions.delete(sessionId)
    await this.cache.invalidate(hashes.map(credentialTag.session))
  }

  /**
   * Ends every session and refresh token of a user (`endAllOf` with nothing kept) and forgets
   * the user (roles, memberships) on every node before returning (invariant 1): a removed
   * organization member is signed out everywhere at once, by the same path as a deactivated user.
   */
  async endUserSessions(userId: number): Promise<void> {
    const user = await this.actors.findUserById(userId)
    if (user) await this.endAllOf(user, null)
    else await this.forgetUser(userId)
  }

  /**
   * A user changed (role, password, deactivation, deletion, memberships): its sessions and keys
   * re-resolve (user and organization roles), and the verify cache drops every key the user is
   * responsible for, on every node (invariant 1).
   */
  forgetUser(userId: number): Promise<void> {
    return this.cache.invalidate([credentialTag.user(userId), credentialTag.memberships(userId)])
  }

  /**
   * A user's organization roles (`Principal.orgs`) at cache speed; `forgetUser` evicts them on every
   * node, so a removed member loses the organization on their next request wherever it lands.
   */
  async orgsOf(userId: number): Promise<Principal['orgs']> {
    const found = await this.cached(credentialTag.memberships(userId), async () =>
      Object.freeze(await this.orgRoles.rolesOf(userId)),
    )
    return found ?? {}
  }

  /** The organization roles a principal of `owner` holds: a user's memberships, nothing for other actors. */
  orgsOfOwner(owner: Owner): Promise<Principal['orgs']> {
    return owner.kind === 'user' ? this.orgsOf(owner.id) : Promise.resolve({})
  }

  /**
   * `orgsOfOwner`'s answer without a promise when it needs no I/O (the memberships are cached, or
   * the owner is not a user), else undefined: every API-key caller asks for it on every request.
   */
  cachedOrgsOfOwner(owner: Owner): Principal['orgs'] | undefined {
    return owner.kind === 'user' ? this.cachedOrgsOf(owner.id) : {}
  }

  /** `orgsOf`'s answer when it is cached, else undefined. */
  cachedOrgsOf(userId: number): Principal['orgs'] | undefined {
    const hit = this.cache.getTagged<Principal['orgs']>(credentialTag.memberships(userId))
    return hit === undefined ? undefined : (hit ?? {})
  }

  /**
   * Ends every session and refresh token of a user but the session `keep` (and the refresh
   * tokens renewing it), and evicts them with the user and its memberships on every node
   * (invariant 1). THE path that signs a user out: deactivation, deletion, password change,
   * and removal from an organization (`endUserSessions`).
   */
  async endAllOf(user: { id: number; actorId: number }, keep: number | null): Promise<void> {
    const hashes = await this.sessions.endAllOf(user, keep)
    await this.cache.invalidate([
      ...hashes.map(credentialTag.session),
      credentialTag.user(user.id),
      credentialTag.memberships(user.id),
    ])
  }

  /**
   * Records that a session was used, at most once a minute per session and node, off the
   * request's path: `last_used_at` is what "your sessions" shows, minute precision is enough,
   * and a lost write loses one timestamp, never access.
   */
  private touch(sessionId: number): void {
    const now = this.clock.now().getTime()
    if (now - (this.touched.get(sessionId) ?? 0) < TOUCH_INTERVAL_MS) return
    if (this.touched.size >= TOUCHED_LIMIT) this.touched.clear()
    this.touched.set(sessionId, now)
    this.sessions.touch(sessionId, new Date(now).toISOString()).catch(() => this.touched.delete(sessionId))
  }

  private session(tokenHash: string): Promise<StoredSession | null> {
    return this.cached(credentialTag.session(tokenHash), () => this.sessions.findByHash(tokenHash))
  }

  private user(userId: number): Promise<User | null> {
    return this.cached(credentialTag.user(userId), () => this.actors.findUserById(userId))
  }

  /** The entry under `tag`, else the database's answer, cached unless an invalidation raced it (invariant 3). */
  private async cached<T extends object>(tag: string, load: () => Promise<T | undefined>): Promise<T | null> {
    const hit = this.cache.getTagged<T>(tag)
    if (hit !== undefined) return hit
    const version = this.cache.version
    const found = (await load()) ?? null
    this.cache.setTagged(tag, found, version)
    return found
  }
}

/**
 * `{graceEndsAt}` when a lookup matched a rolled-away secret (still in its grace period, or
 * the caller has already refused it), else nothing: spread into the principal it authenticates.
 */
export const graceOf = (found: KeyLookup): { graceEndsAt?: string } =>
  found.matchedPrevious && found.previousHashExpiresAt ? { graceEndsAt: found.previousHashExpiresAt } : {}

/** A key's scopes as a principal holds them: an empty list is the full rights of its owner. */
export const scopesOf = (found: KeyLookup): string[] | null =>
  found.key.scopes.length > 0 ? [...found.key.scopes] : null

/** The principal of a user's native session (full rights until an origin narrows them). */
export function userPrincipal(user: User, sessionId: number | null, orgs: Principal['orgs'] = {}): Principal {
  return {
    owner: {
      kind: 'user',
      id: user.id,
      actorId: user.actorId,
      userId: user.id,
      applicationId: null,
      organizationId: null,
    },
    role: user.role,
    orgs,
    scopes: null,
    via: 'session',
    keyId: null,
    sessionId,
  }
}
