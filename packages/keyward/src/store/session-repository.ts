import type { Kysely } from 'kysely'
import type { CredentialOrigin } from '../core/types.js'
import type { Database } from './schema.js'

/** A login session as authentication needs it. */
export interface StoredSession {
  id: number
  userId: number
  expiresAt: string
  /** The API key it was opened with (null: a password login). */
  origin: CredentialOrigin | null
  /** The keys the password it was opened with was made through (`key-origins.ts` invariant 7); null: none. */
  line: readonly number[] | null
}

/** A session as its user sees it in `GET /v1/auth/sessions` (never its token or hash). */
export interface SessionSummary {
  id: number
  createdAt: string
  expiresAt: string
  lastUsedAt: string | null
  ip: string | null
  userAgent: string | null
  /** Opened with an API key (a Realm key login), not a password. */
  viaKey: boolean
}

/** The origin columns of a row, or null. */
export const originOf = (r: {
  origin_key_id: number | null
  origin_key_hash: string | null
}): CredentialOrigin | null =>
  r.origin_key_id !== null && r.origin_key_hash !== null ? { keyId: r.origin_key_id, keyHash: r.origin_key_hash } : null

/** A stored `password_line` (migration 0034) as key ids, or null. */
export const lineOf = (text: string | null): readonly number[] | null =>
  text === null ? null : Object.freeze(JSON.parse(text) as number[])

/** A password line as stored: null when empty. */
export const storedLine = (line: readonly number[] | undefined): string | null =>
  line && line.length > 0 ? JSON.stringify(line) : null

/** Login sessions, stored by token hash only. */
export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(s: {
    tokenHash: string
    userId: number
    createdAt: string
    expiresAt: string
    ip: string | null
    origin: CredentialOrigin | null
    userAgent?: string | null
    /** The keys the password it was opened with was made through (a password login; `key-origins.ts` invariant 7). */
    line?: readonly number[]
  }): Promise<number> {
    const r = await this.db
      .insertInto('session')
      .values({
        token_hash: s.tokenHash,
        user_id: s.userId,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        ip: s.ip,
        user_agent: s.userAgent?.slice(0, 512) ?? null,
        origin_key_id: s.origin?.keyId ?? null,
        origin_key_hash: s.origin?.keyHash ?? null,
        password_line: storedLine(s.line),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return r.id
  }

  async findByHash(tokenHash: string): Promise<StoredSession | undefined> {
    const r = await this.db
      .selectFrom('session')
      .select(['id', 'user_id', 'expires_at', 'origin_key_id', 'origin_key_hash', 'password_line'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    return (
      r && { id: r.id, userId: r.user_id, expiresAt: r.expires_at, origin: originOf(r), line: lineOf(r.password_line) }
    )
  }

  /**
   * Ends a session and the refresh tokens that renew it (Fluxbase): whichever way
   * a session is logged out (native `/v1/auth/logout` included), it cannot be renewed.
   * Returns the token hashes deleted, for the caches to forget.
   */
  async delete(id: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('refresh_token').where('session_id', '=', id).execute()
      const rows = await trx.deleteFrom('session').where('id', '=', id).returning('token_hash').execute()
      return rows.map((r) => r.token_hash)
    })
  }

  /** The live sessions of a user, newest first (at most 200: a list to read, not an export). */
  async listOf(userId: number, now: string): Promise<SessionSummary[]> {
    const rows = await this.db
      .selectFrom('session')
      .select(['id', 'created_at', 'expires_at', 'last_used_at', 'ip', 'user_agent', 'origin_key_id'])
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .orderBy('id', 'desc')
      .limit(200)
      .execute()
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      lastUsedAt: r.last_used_at,
      ip: r.ip,
      userAgent: r.user_agent,
      viaKey: r.origin_key_id !== null,
    }))
  }

  /** Whether session `id` belongs to `userId` (ending someone else's session is a 404). */
  async isOwnedBy(id: number, userId: number): Promise<boolean> {
    const r = await this.db
      .selectFrom('session')
      .select('id')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return r !== undefined
  }

  /**
   * Ends every session of a user but `keep` (the caller's, on a password change) and every
   * refresh token of the user's actor (Realm, Fluxbase) but those renewing `keep`. Returns the
   * session token hashes deleted, for the caches to forget. One transaction: no new token
   * can be renewed from a row read before it.
   */
  async endAllOf(user: { id: number; actorId: number }, keep: number | null): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      let ended = trx.selectFrom('session').select('id').where('user_id', '=', user.id)
      if (keep !== null) ended = ended.where('id', '!=', keep)
      await trx.deleteFrom('refresh_token').where('session_id', 'in', ended).execute()
      let refresh = trx.deleteFrom('refresh_token').where('actor_id', '=', user.actorId)
      if (keep !== null)
        refresh = refresh.where((eb) => eb.or([eb('session_id', 'is', null), eb('session_id', '!=', keep)]))
      await refresh.execute()
      let sessions = trx.deleteFrom('session').where('user_id', '=', user.id)
      if (keep !== null) sessions = sessions.where('id', '!=', keep)
      const rows = await sessions.returning('token_hash').execute()
      return rows.map((r) => r.token_hash)
    })
  }

  /** Records a use of a session (throttled by the caller: see `SessionCache.touch`). */
  async touch(id: number, at: string): Promise<void> {
    await this.db.updateTable('session').set({ last_used_at: at }).where('id', '=', id).execute()
  }

  /**
   * Deletes up to `limit` sessions that expired at or before `now`; returns how many.
   * Bounded so one sweep never holds the write lock for long. A Fluxbase refresh
   * token outlives its access session on purpose, so refresh tokens are swept on
   * their own expiry, not with the session.
   */
  async deleteExpired(now: string, limit: number): Promise<number> {
    const r = await this.db
      .deleteFrom('session')
      .where('id', 'in', (eb) => eb.selectFrom('session').select('id').where('expires_at', '<=', now).limit(limit))
      .executeTakeFirst()
    return Number(r.numDeletedRows)
  }
}
