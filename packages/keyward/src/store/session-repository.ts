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
}

/** The origin columns of a row, or null. */
export const originOf = (r: {
  origin_key_id: number | null
  origin_key_hash: string | null
}): CredentialOrigin | null =>
  r.origin_key_id !== null && r.origin_key_hash !== null ? { keyId: r.origin_key_id, keyHash: r.origin_key_hash } : null

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
  }): Promise<number> {
    const r = await this.db
      .insertInto('session')
      .values({
        token_hash: s.tokenHash,
        user_id: s.userId,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        ip: s.ip,
        origin_key_id: s.origin?.keyId ?? null,
        origin_key_hash: s.origin?.keyHash ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return r.id
  }

  async findByHash(tokenHash: string): Promise<StoredSession | undefined> {
    const r = await this.db
      .selectFrom('session')
      .select(['id', 'user_id', 'expires_at', 'origin_key_id', 'origin_key_hash'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    return r && { id: r.id, userId: r.user_id, expiresAt: r.expires_at, origin: originOf(r) }
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

  /**
   * Ends every session of a user: native sessions, the refresh tokens renewing them, and the user's
   * Realm/Fluxbase refresh tokens (Realm access tokens read theirs on every use). Returns the
   * native sessions' token hashes, for the caches to forget.
   */
  async deleteForUser(userId: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const ids = trx.selectFrom('session').select('id').where('user_id', '=', userId)
      await trx.deleteFrom('refresh_token').where('session_id', 'in', ids).execute()
      const actor = trx.selectFrom('user').select('actor_id').where('id', '=', userId)
      await trx.deleteFrom('refresh_token').where('actor_id', 'in', actor).execute()
      const rows = await trx.deleteFrom('session').where('user_id', '=', userId).returning('token_hash').execute()
      return rows.map((r) => r.token_hash)
    })
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
