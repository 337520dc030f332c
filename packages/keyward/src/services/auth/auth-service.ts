import { randomBytes } from 'node:crypto'
import type { Clock } from '../../core/clock.js'
import { orgRoleAtLeast, requireAccountRights } from '../../core/authz.js'
import { KeywardError, keyRateLimited, notFound, unlessUnavailable } from '../../core/errors.js'
import { hashSecret } from '../../core/key-format.js'
import type { CallContext } from '../../core/restrictions.js'
import type { CredentialOrigin, Principal, User } from '../../core/types.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { KeyLookup } from '../../store/key-repository.js'
import type { SessionRepository, SessionSummary } from '../../store/session-repository.js'
import type { RequestContext } from '../context.js'
import type { AuditLog } from './audit-log.js'
import type { CheckedLogin, PasswordLogin } from './password-login.js'
import { type SessionCache, graceOf, userPrincipal } from './session-cache.js'
import type { Verifier } from '../keys/verifier.js'

export { userPrincipal } from './session-cache.js'

/** Session tokens are opaque (no `.`: balena clients would take them for JWTs) and recognisable. */
export const SESSION_PREFIX = 'kwsess_'

export interface LoginResult {
  token: string
  expiresAt: string
  user: User
}

/**
 * Logins, sessions, and `authenticate`: the one place where a bearer credential
 * (session token or API key) becomes a Principal. Faces never look tokens up themselves.
 */
export class AuthService {
  constructor(
    private readonly actors: ActorRepository,
    private readonly sessions: SessionRepository,
    private readonly verifier: Verifier,
    /** Sessions, their users and their origin keys, through the verify cache. */
    readonly sessionCache: SessionCache,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly sessionTtlS: number,
    private readonly passwords: PasswordLogin,
  ) {}

  /** A password login; `userAgent` is shown in the user's list of sessions. */
  async login(login: string, password: string, ip: string | null, userAgent?: string): Promise<LoginResult> {
    const checked = await this.checkPassword(login, password, ip)
    const opened = await this.openSession(checked.user, ip, null, userAgent, checked.line)
    await this.confirmLogin(checked, () => this.sessionCache.end(opened.sessionId))
    return opened
  }

  /** The user with these credentials, or 401 (throttled: `login-throttle.ts`); `confirmLogin` once stored. */
  checkPassword(login: string, password: string, ip: string | null): Promise<CheckedLogin> {
    return this.passwords.check(login, password, ip)
  }

  /**
   * After a face stored what a password login opened: 401, and `undo` ends it, unless the password is still the
   * one checked. A change or clear of the password ends the user's sessions after writing it; one committing
   * between the check and the store ended them before this login's was stored, and it lived on (an attacker's
   * find: a login racing `revoke {minted: true}` of the key that chose the password). Read after the store: a
   * change committed before this read is seen here, one after it finds the stored login and ends it.
   */
  async confirmLogin(checked: CheckedLogin, undo: () => Promise<void>): Promise<void> {
    if ((await this.actors.passwordHashOf(checked.user.id)) === checked.passwordHash) return
    await undo()
    throw new KeywardError('unauthorized', 'invalid email or password')
  }

  /**
   * A new native session for a user whose credentials were checked (a login, or a
   * refresh token's renewal). `origin`: the API key it derives from, which it cannot outlive;
   * `line`: the keys its password was made through, which what it makes keeps (`key-origins.ts` invariant 7).
   */
  async openSession(
    user: User,
    ip: string | null,
    origin: CredentialOrigin | null = null,
    userAgent?: string,
    line?: readonly number[],
  ): Promise<LoginResult & { sessionId: number }> {
    const token = SESSION_PREFIX + randomBytes(32).toString('base64url').replace(/[-_]/g, '')
    const now = this.clock.now()
    const expiresAt = new Date(now.getTime() + this.sessionTtlS * 1000).toISOString()
    const sessionId = await this.sessions.insert({
      tokenHash: hashSecret(token),
      userId: user.id,
      createdAt: now.toISOString(),
      expiresAt,
      ip,
      origin,
      userAgent,
      line,
    })
    const principal = { ...userPrincipal(user, null), keyId: origin?.keyId ?? null }
    await this.audit.record({ principal, ip }, 'auth.login', { type: 'user', id: user.id, ownerActorId: user.actorId })
    return { token, expiresAt, user, sessionId }
  }

  async logout(principal: Principal, ip: string | null): Promise<void> {
    if (principal.sessionId === null)
      throw new KeywardError('validation_failed', 'only a session can log out; revoke a key instead')
    const sessionId = principal.sessionId
    await unlessUnavailable('the logout', () => this.sessionCache.end(sessionId))
    await this.audit.record({ principal, ip }, 'auth.logout', {
      type: 'session',
      id: principal.sessionId,
      ownerActorId: principal.owner.actorId,
    })
  }

  /** The caller's own live native sessions (never their tokens); 403 for a caller without account rights. */
  async sessionsOf(principal: Principal): Promise<SessionSummary[]> {
    requireAccountRights(principal, 'list sessions')
    return this.sessions.listOf(principal.owner.id, this.clock.now().toISOString())
  }

  /** Ends one of the caller's own sessions; anyone else's is 404 (no probing of session ids). */
  async endSession(ctx: RequestContext, sessionId: number): Promise<void> {
    const { principal } = ctx
    requireAccountRights(principal, 'end a session')
    const mine = await this.sessions.isOwnedBy(sessionId, principal.owner.id)
    if (!mine) throw notFound('session')
    await unlessUnavailable('ending the session', () => this.sessionCache.end(sessionId))
    await this.audit.record(ctx, 'auth.session_end', {
      type: 'session',
      id: sessionId,
      ownerActorId: principal.owner.actorId,
    })
  }

  /**
   * Resolves a bearer credential, or throws 401. `context`: where the request comes from; a key
   * with restrictions is refused (401, FORBIDDEN_CONTEXT) outside them, and when it is null or missing a part.
   */
  async authenticate(token: string, context: CallContext | null): Promise<Principal> {
    // A session the database cannot answer for is 503, not 500: the client retries (a logout included).
    if (token.startsWith(SESSION_PREFIX))
      return unlessUnavailable('authentication', () => this.sessionCache.principal(hashSecret(token), context))
    // A cached caller key and its owner's cached memberships cost no promise (the verify path's own rule).
    const opts = context ? { context } : undefined
    const r = this.verifier.verifySync(token, opts) ?? (await this.verifier.verify(token, opts))
    // Over its rate limit a key is known and usable later: 429 with a wait, not 401 (Fluxbase §8).
    if (r.code === 'RATE_LIMITED') throw keyRateLimited('rate limit exceeded', r.ratelimit?.reset_at, Date.now())
    if (!r.valid || !r.lookup)
      throw new KeywardError('unauthorized', `API key refused: ${r.code}${HINTS[r.code] ?? ''}`, {
        details: { code: r.code },
      })
    const { key, owner, role } = r.lookup
    return {
      owner,
      role,
      makerActorId: owner.kind === 'organization' ? await this.makerOf(r.lookup) : null,
      orgs: this.sessionCache.cachedOrgsOfOwner(owner) ?? (await this.sessionCache.orgsOfOwner(owner)),
      scopes: key.scopes.length > 0 ? key.scopes : null,
      via: 'key',
      keyId: key.id,
      sessionId: null,
      keyHash: hashSecret(token),
      ...graceOf(r.lookup),
    }
  }

  /**
   * The person an organization's own key acts for (`Principal.makerActorId`), while they are at least a
   * member of its organization; else null, and the key manages none of its organization keys. Removed
   * or made a viewer, its maker's keys were still rolled and revoked through it (helper-122). Their
   * memberships come through the cache and bus a session's do (`forgetUser` evicts them on every node).
   */
  private async makerOf(l: KeyLookup): Promise<number | null> {
    const { makerActorId, makerUserId, owner } = l
    if (makerActorId == null || makerUserId == null || owner.organizationId === null) return null
    const orgs = this.sessionCache.cachedOrgsOf(makerUserId) ?? (await this.sessionCache.orgsOf(makerUserId))
    return orgRoleAtLeast(orgs[owner.organizationId], 'member') ? makerActorId : null
  }
}

/** What a person can do about a refusal whose code alone does not say (a malformed or unknown token is usually a bad copy). */
const HINTS: Partial<Record<string, string>> = {
  MALFORMED: ' (not a Keyward API key or session token: check that it was copied whole)',
  NOT_FOUND: ' (no key has this secret: check that it was copied whole, or the key was deleted)',
}
