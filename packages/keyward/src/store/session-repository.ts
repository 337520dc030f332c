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

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('session').where('id', '=', id).execute()
  }

  async deleteExpired(now: string): Promise<void> {
    await this.db.deleteFrom('session').where('expires_at', '<=', now).execute()
  }
}
