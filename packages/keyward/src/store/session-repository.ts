import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** Login sessions, stored by token hash only. */
export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(s: { tokenHash: string; userId: number; createdAt: string; expiresAt: string; ip: string | null }): Promise<number> {
    const r = await this.db.insertInto('session')
      .values({ token_hash: s.tokenHash, user_id: s.userId, created_at: s.createdAt, expires_at: s.expiresAt, ip: s.ip })
      .returning('id').executeTakeFirstOrThrow()
    return r.id
  }

  async findByHash(tokenHash: string): Promise<{ id: number; userId: number; expiresAt: string } | undefined> {
    const r = await this.db.selectFrom('session').select(['id', 'user_id', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst()
    return r && { id: r.id, userId: r.user_id, expiresAt: r.expires_at }
  }

  /**
   * Ends a session and the refresh tokens that renew it (Fluxbase): whichever way
   * a session is logged out (native `/v1/auth/logout` included), it cannot be renewed.
   */
  async delete(id: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('refresh_token').where('session_id', '=', id).execute()
      await trx.deleteFrom('session').where('id', '=', id).execute()
    })
  }

  /**
   * Deletes up to `limit` sessions that expired at or before `now`; returns how many.
   * Bounded so one sweep never holds the write lock for long. A Fluxbase refresh
   * token outlives its access session on purpose, so refresh tokens are swept on
   * their own expiry, not with the session.
   */
  async deleteExpired(now: string, limit: number): Promise<number> {
    const r = await this.db.deleteFrom('session')
      .where('id', 'in', (eb) => eb.selectFrom('session').select('id').where('expires_at', '<=', now).limit(limit))
      .executeTakeFirst()
    return Number(r.numDeletedRows)
  }
}
