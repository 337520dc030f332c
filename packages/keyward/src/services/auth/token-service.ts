import { randomBytes } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import type { Clock } from '../../core/clock.js'
import { KeywardError, unlessUnavailable } from '../../core/errors.js'
import { hashSecret } from '../../core/key-format.js'
import { narrowScopes } from '../../core/policy.js'
import type { CallContext } from '../../core/restrictions.js'
import type { CredentialOrigin, Principal, User } from '../../core/types.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { RefreshTokenRepository } from '../../store/refresh-token-repository.js'
import type { RefreshTokenRow } from '../../store/schema.js'
import { lineOf, originOf, storedLine } from '../../store/session-repository.js'
import type { AuditLog } from './audit-log.js'
import { secretEndOf } from '../keys/verifier.js'
import type { AuthService } from './auth-service.js'
import { type OriginCheck, graceOf, scopesOf } from './session-cache.js'

/** How a Realm or Fluxbase session was opened. */
export type SessionProvider = 'local-userpass' | 'api-key' | 'anon-user'

/** A Realm or Fluxbase session, resolved from one of its tokens. */
export interface TokenSession {
  id: number
  provider: SessionProvider
  /** Who the session acts as; null for an anonymous session, which has no actor and owns nothing. */
  principal: Principal | null
  /** The user id the client sees. */
  subject: string
  deviceId: string | null
  /** The user the session is; null when anonymous, and for an application's (Realm's server user). */
  user: User | null
  /** When the key secret that opened it stops working (its expiry, a rolled-away secret's grace end); null: never. */
  endsAt: string | null
}

/**
 * Whether each of a compact JWS's three parts is base64url exactly as it encodes back. A decoder ignores the unused
 * low bits of the last character (a 32-byte HS256 signature leaves 2), so four spellings verify as one token; only
 * the spelling Keyward issued is accepted, so anything keyed by the token's text (a log, a cache) sees one token.
 */
const isCanonicalJws = (token: string) =>
  token
    .split('.')
    .every((part, i, all) => all.length === 3 && Buffer.from(part, 'base64url').toString('base64url') === part)

/** A new Realm session: a JWT access token and an opaque refresh token. */
export interface RealmLogin {
  session: TokenSession
  accessToken: string
  refreshToken: string
}

/** A Fluxbase session: a native (opaque) session token plus an opaque refresh token. */
export interface RefreshableSession {
  accessToken: string
  refreshToken: string
  expiresInS: number
  user: User
}

const REFRESH_PREFIX = 'kwrt_'
const REALM_ACCESS_TTL_S = 30 * 60
/** Realm's own default refresh-token lifetime. */
const REALM_REFRESH_TTL_S = 60 * 24 * 3600
const FLUXBASE_REFRESH_TTL_S = 30 * 24 * 3600
/** Anonymous sessions are cheap to ask for (no credential), so they are short: one hour, no renewal past it. */
export const ANONYMOUS_REFRESH_TTL_S = 3600
/** Anonymous logins per IP per hour (per node): each writes a refresh token and an audit row. */
const ANONYMOUS_LOGINS_PER_IP = 10
/** Realm's "no device" id: never stored, never sent back. */
const NO_DEVICE = '000000000000000000000000'
const dead = () => new KeywardError('unauthorized', 'invalid session')

/** The verifier's refusal code a key's 401 carries (`USAGE_EXCEEDED`), if any. */
const refusalCode = (e: unknown): string | undefined => {
  const code = e instanceof KeywardError ? (e.details as { code?: unknown } | undefined)?.code : undefined
  return typeof code === 'string' ? code : undefined
}

/**
 * A refusal of a credential's origin key (a 401) as the face's own 401 (`as`), which says nothing of
 * the key, except a spent budget, a 401 that says so. Other errors pass: a rate limit is a 429 with the
 * wait (the session is usable again after it), an outage a 503, a bug a 500. Turning those into a 401
 * would log the client out, and an outage is not a logout.
 */
const refusedAs =
  (as: () => KeywardError) =>
  (e: unknown): never => {
    if (!(e instanceof KeywardError) || e.code !== 'unauthorized') throw e
    // A spent budget is the holder's to refill, not a dead session: it says so (still a 401).
    if (refusalCode(e) === 'USAGE_EXCEEDED') throw e
    throw as()
  }

/**
 * Whose keys open a Realm session: a user's (a normal user) and an application's (Realm's server
 * user). An organization's key did too once an application's session stopped requiring a user
 * (found by an attacker): it has no Realm user either.
 */
const REALM_KEY_OWNERS: ReadonlySet<string> = new Set(['user', 'application'])

/**
 * Refresh-token sessions of the Realm and Fluxbase faces, and Realm's JWT access
 * tokens. Credentials are always checked by AuthService (passwords, keys, native
 * sessions); this service only keeps the longer-lived sessions built on them.
 * Refresh tokens are opaque and stored hashed. Realm access tokens are HS256 JWTs
 * (realm-web decodes them) signed with a secret every node reads from the database.
 */
export class TokenService {
  private signingKey: Promise<Uint8Array> | null = null
  private readonly anonymousLogins = new RateLimiterMemory({
    points: ANONYMOUS_LOGINS_PER_IP,
    duration: 3600,
    keyPrefix: 'realm-anon',
  })

  constructor(
    private readonly auth: AuthService,
    private readonly actors: ActorRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    /** Whether Realm's `anon-user` provider is enabled (`KEYWARD_REALM_ANONYMOUS`). */
    private readonly anonymousEnabled = false,
  ) {}

  /** Realm `local-userpass` login. */
  async realmLoginPassword(
    email: string,
    password: string,
    deviceId: string | null,
    ip: string | null,
  ): Promise<RealmLogin> {
    const checked = await this.auth.checkPassword(email, password, ip)
    const login = await this.openRealm(
      'local-userpass',
      checked.user.actorId,
      null,
      deviceId,
      atIp(ip),
      null,
      checked.line,
    )
    await this.auth.confirmLogin(checked, () =>
      this.refreshTokens.deleteByHash(hashSecret(login.refreshToken), 'realm'),
    )
    return login
  }

  /**
   * Realm `api-key` login: a user key opens a session of its owner, an application
   * key one of its application (Realm's server user). Any other key, or a refused one, is a 401; a
   * refused one's names the refusal (USAGE_EXCEEDED…), which its holder may know, as on the native API.
   */
  async realmLoginKey(key: string, deviceId: string | null, context: CallContext): Promise<RealmLogin> {
    const p = await this.auth.authenticate(key, context).catch((e: unknown) => {
      if (!(e instanceof KeywardError && e.code === 'unauthorized')) throw e
      const code = refusalCode(e)
      throw new KeywardError('unauthorized', `invalid API key${code ? ` (${code})` : ''}`)
    })
    // A native session token is not an API key; device and organization keys have no Realm user.
    if (p.via !== 'key' || !REALM_KEY_OWNERS.has(p.owner.kind) || p.keyId === null)
      throw new KeywardError('unauthorized', 'invalid API key')
    // The session lives only while this very secret verifies (DESIGN.md, "Sessions record their origin").
    return this.openRealm('api-key', p.owner.actorId, p.scopes, deviceId, context, {
      keyId: p.keyId,
      keyHash: hashSecret(key),
    })
  }

  /**
   * Realm `anon-user` login: a fresh subject with no actor behind it. Off unless
   * enabled (403), throttled per IP (429), and short-lived (ANONYMOUS_REFRESH_TTL_S).
   */
  async realmLoginAnonymous(deviceId: string | null, ip: string | null): Promise<RealmLogin> {
    if (!this.anonymousEnabled) throw new KeywardError('forbidden', 'anonymous login is disabled on this server')
    try {
      await this.anonymousLogins.consume(ip ?? 'unknown')
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e
      throw new KeywardError('rate_limited', 'too many anonymous logins; try again later', {
        retryAfterS: Math.max(1, Math.ceil(e.msBeforeNext / 1000)),
      })
    }
    return this.openRealm('anon-user', null, null, deviceId, atIp(ip), null)
  }

  /** A new access token for a live Realm refresh token (which is not rotated: realm-web keeps using it). */
  async realmRefresh(refreshToken: string | null, context: CallContext): Promise<string> {
    const session = await this.realmSession(refreshToken, context)
    return this.signAccess(session)
  }

  /** Ends a Realm session. Idempotent: unknown or dead tokens are fine; a database outage is 503, not a logout. */
  async realmLogout(refreshToken: string | null, ip: string | null): Promise<void> {
    const row = await unlessUnavailable('the logout', async () => {
      const found = refreshToken
        ? await this.refreshTokens.findLive(hashSecret(refreshToken), 'realm', this.now())
        : undefined
      if (found) await this.refreshTokens.deleteByHash(found.token_hash, 'realm')
      return found
    })
    if (!row) return
    // For the audit entry only: a dead origin, or a logout from outside its key's restrictions, is fine here.
    const session = await this.resolve(row, atIp(ip), 'peek').catch(() => null)
    await this.audit.record({ principal: session?.principal ?? null, ip }, 'auth.realm_logout', {
      type: 'realm_session',
      id: row.id,
      ownerActorId: row.actor_id,
    })
  }

  /** The Realm session named by a refresh token, used from `context`, or 401. */
  async realmSession(refreshToken: string | null, context: CallContext): Promise<TokenSession> {
    if (!refreshToken) throw dead()
    const row = await this.refreshTokens.findLive(hashSecret(refreshToken), 'realm', this.now())
    if (!row) throw dead()
    return this.resolve(row, context, 'use')
  }

  /** The Realm session of a JWT access token (signature, `exp`, and the session still alive), or 401. */
  async realmSessionOfAccess(accessToken: string | null, context: CallContext): Promise<TokenSession> {
    if (!accessToken || !isCanonicalJws(accessToken)) throw dead()
    let sid: unknown
    try {
      const { payload } = await jwtVerify(accessToken, await this.key(), {
        algorithms: ['HS256'],
        currentDate: this.clock.now(),
      })
      sid = payload.sid
    } catch {
      throw dead()
    }
    const row = typeof sid === 'number' ? await this.refreshTokens.findById(sid) : undefined
    if (!row || row.face !== 'realm' || row.expires_at <= this.now()) throw dead()
    return this.resolve(row, context, 'use')
  }

  /** Fluxbase sign-in: a native session token plus a refresh token that renews it. */
  async fluxbaseSignIn(email: string, password: string, ip: string | null): Promise<RefreshableSession> {
    const checked = await this.auth.checkPassword(email, password, ip)
    const { user, line } = checked
    const s = await this.auth.openSession(user, ip, null, undefined, line)
    const refreshToken = newRefreshToken()
    await this.refreshTokens.insert({
      token_hash: hashSecret(refreshToken),
      face: 'fluxbase',
      provider: 'local-userpass',
      actor_id: user.actorId,
      subject: String(user.id),
      scopes: null,
      device_id: null,
      session_id: s.sessionId,
      created_at: this.now(),
      expires_at: this.later(FLUXBASE_REFRESH_TTL_S),
      ip,
      origin_key_id: null,
      origin_key_hash: null,
      password_line: storedLine(line), // the sessions it renews keep it (`key-origins.ts` invariant 7)
    })
    await this.auth.confirmLogin(checked, () => this.auth.sessionCache.end(s.sessionId)) // its refresh token too
    return { accessToken: s.token, refreshToken, expiresInS: this.secondsUntil(s.expiresAt), user }
  }

  /**
   * Renews a Fluxbase session: a new access token and a rotated refresh token
   * (a used one is refused), and the previous access token ends.
   */
  async fluxbaseRefresh(refreshToken: string, context: CallContext): Promise<RefreshableSession> {
    const ip = context.ip ?? null
    const invalid = () => new KeywardError('unauthorized', 'Invalid or expired refresh token')
    const oldHash = hashSecret(refreshToken)
    const row = await this.refreshTokens.findLive(oldHash, 'fluxbase', this.now())
    const owner = row?.actor_id != null ? await this.actors.ownerOfActor(row.actor_id) : undefined
    const user = owner?.kind === 'user' ? await this.actors.findUserById(owner.id) : undefined
    if (!row || !user || user.deactivatedAt !== null) throw invalid()
    // A refresh token opened with a key renews nothing once that key is dead; the new session keeps the origin.
    const origin = originOf(row)
    if (origin) await this.auth.sessionCache.liveOrigin(origin, context, 'use').catch(refusedAs(invalid))
    const s = await this.auth.openSession(user, ip, origin, undefined, lineOf(row.password_line) ?? undefined)
    const next = newRefreshToken()
    if (
      !(await this.refreshTokens.rotate(oldHash, 'fluxbase', this.now(), {
        tokenHash: hashSecret(next),
        sessionId: s.sessionId,
      }))
    ) {
      await this.auth.sessionCache.end(s.sessionId)
      throw invalid()
    }
    if (row.session_id !== null) await this.auth.sessionCache.end(row.session_id)
    return { accessToken: s.token, refreshToken: next, expiresInS: this.secondsUntil(s.expiresAt), user }
  }

  /**
   * Ends the Fluxbase session of an access token and its refresh token. Idempotent
   * for dead tokens; a database outage is 503, never a sign-out that did not happen.
   */
  async fluxbaseSignOut(accessToken: string | null, ip: string | null): Promise<void> {
    if (!accessToken) return
    const p = await unlessUnavailable('the sign-out', () =>
      this.auth.authenticate(accessToken, null),
    ) /* a session's sign-out: a key is ignored anyway */
      .catch((e: unknown) => {
        if (e instanceof KeywardError && e.code === 'unauthorized') return null
        throw e
      })
    if (!p || p.sessionId === null) return
    await this.auth.logout(p, ip) // also deletes the refresh tokens renewing this session
  }

  private async openRealm(
    provider: SessionProvider,
    actorId: number | null,
    scopes: string[] | null,
    deviceId: string | null,
    context: CallContext,
    origin: CredentialOrigin | null,
    /** The keys the password it was opened with was made through (`key-origins.ts` invariant 7). */
    line?: readonly number[],
  ): Promise<RealmLogin> {
    const ip = context.ip ?? null
    const refreshToken = newRefreshToken()
    const row = await this.refreshTokens.insert({
      token_hash: hashSecret(refreshToken),
      face: 'realm',
      provider,
      actor_id: actorId,
      // The Realm user id: the actor id as 24 hex digits (stable, one per user or application);
      // anonymous subjects are random and start with "f", which actor ids never reach.
      subject:
        actorId === null ? 'f' + randomBytes(12).toString('hex').slice(1) : actorId.toString(16).padStart(24, '0'),
      scopes: scopes ? JSON.stringify(scopes) : null,
      device_id: deviceId && deviceId !== NO_DEVICE ? deviceId : randomBytes(12).toString('hex'),
      session_id: null,
      created_at: this.now(),
      expires_at: this.later(actorId === null ? ANONYMOUS_REFRESH_TTL_S : REALM_REFRESH_TTL_S),
      ip,
      origin_key_id: origin?.keyId ?? null,
      origin_key_hash: origin?.keyHash ?? null,
      password_line: storedLine(line),
    })
    const session = await this.resolve(row, context, 'peek') // the login's verification was the use
    await this.audit.record(
      { principal: session.principal, ip },
      'auth.realm_login',
      { type: 'realm_session', id: row.id, ownerActorId: actorId },
      { provider },
    )
    return { session, accessToken: await this.signAccess(session), refreshToken }
  }

  /**
   * The session of a live refresh-token row, used from `context` (a key-opened session obeys its key's
   * restrictions); `check`: whether this is a use of its key (a request), or a look (login, logout).
   */
  private async resolve(row: RefreshTokenRow, context: CallContext, check: OriginCheck): Promise<TokenSession> {
    const base = {
      id: row.id,
      provider: row.provider as SessionProvider,
      subject: row.subject,
      deviceId: row.device_id,
    }
    if (row.actor_id === null) return { ...base, principal: null, user: null, endsAt: null }
    const owner = await this.actors.ownerOfActor(row.actor_id)
    const origin = originOf(row)
    // A user's session lives while the user does (deleted or deactivated: dead). An application's
    // (Realm's server user, opened only with its key) lives exactly while that key verifies: its
    // `userId` is the creator, who answers for nothing here. Requiring the creator killed a shared
    // organization's sessions, and its logins, once the member who made the application was
    // deactivated or deleted, while the key still verified; the key's own person rule
    // (`keyStatusAt`) already refuses it when a personal organization's owner is deactivated.
    const user = owner?.kind === 'user' ? ((await this.actors.findUserById(owner.userId)) ?? null) : null
    const live = owner?.kind === 'user' ? user && user.deactivatedAt === null : owner?.kind === 'application' && origin
    if (!owner || !live) throw dead()
    const stored = row.scopes === null ? null : (JSON.parse(row.scopes) as string[])
    // Every use of a key-opened session (refresh, JWT, key routes) checks its key, through the cache.
    const key = origin ? await this.auth.sessionCache.liveOrigin(origin, context, check).catch(refusedAs(dead)) : null
    const scopes = key ? narrowScopes(stored, scopesOf(key)) : stored
    const role = user ? user.role : 'member'
    const orgs = await this.auth.sessionCache.orgsOfOwner(owner)
    const principal: Principal = {
      ...{ owner, role, orgs, scopes, via: 'session', keyId: origin?.keyId ?? null, sessionId: null },
      ...(origin && { keyHash: origin.keyHash }),
      ...(key && graceOf(key)),
      ...lineOfLogin(row),
    }
    return { ...base, principal, user, endsAt: key ? secretEndOf(key) : null }
  }

  /**
   * A Realm access token, valid for `REALM_ACCESS_TTL_S` and never past the end of the key secret that opened its
   * session: realm-web trusts `exp`, and a token of a rolled-away secret read as good for 30 minutes after its
   * grace end (an attacker's find; every use still checked the key, so the server refused it).
   */
  private async signAccess(s: TokenSession): Promise<string> {
    const nowS = Math.floor(this.clock.now().getTime() / 1000)
    const endS = s.endsAt === null ? Infinity : Math.floor(Date.parse(s.endsAt) / 1000)
    return new SignJWT({ sid: s.id, user_data: {}, baas_device_id: s.deviceId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(s.subject)
      .setIssuedAt(nowS)
      .setExpirationTime(Math.min(nowS + REALM_ACCESS_TTL_S, endS))
      .sign(await this.key())
  }

  private key(): Promise<Uint8Array> {
    this.signingKey ??= this.refreshTokens.secret('realm_jwt').then((v) => {
      if (!v) throw new KeywardError('internal', 'the Realm signing secret is missing; run the migrations')
      return new TextEncoder().encode(v)
    })
    this.signingKey.catch(() => {
      this.signingKey = null
    }) // retry on the next call
    return this.signingKey
  }

  private now(): string {
    return this.clock.now().toISOString()
  }

  private later(seconds: number): string {
    return new Date(this.clock.now().getTime() + seconds * 1000).toISOString()
  }

  private secondsUntil(iso: string): number {
    return Math.max(0, Math.round((Date.parse(iso) - this.clock.now().getTime()) / 1000))
  }
}

function newRefreshToken(): string {
  return REFRESH_PREFIX + randomBytes(32).toString('base64url').replace(/[-_]/g, '')
}

/** The context of a call known only by its address. */
const atIp = (ip: string | null): CallContext => (ip ? { ip } : {})

/** `{passwordLine}` of a Realm login whose password a key chose (`key-origins.ts` invariant 7), else nothing. */
function lineOfLogin(row: RefreshTokenRow): Pick<Principal, 'passwordLine'> {
  const keys = lineOf(row.password_line)
  return keys ? { passwordLine: { keys, credential: { table: 'refresh_token', id: row.id } } } : {}
}
