import type { Insertable, Kysely } from 'kysely'
import type { Database, RefreshTokenRow, RefreshTokenTable } from './schema.js'

/** Refresh tokens of Realm and Fluxbase sessions, stored and found by hash only. */
export class RefreshTokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<RefreshTokenTable>): Promise<RefreshTokenRow> {
    return this.db.insertInto('refresh_token').values(row).returningAll().executeTakeFirstOrThrow()
  }

  /** The live token with this hash, if any. */
  async findLive(tokenHash: string, face: RefreshTokenRow['face'], now: string): Promise<RefreshTokenRow | undefined> {
    return this.db
      .selectFrom('refresh_token')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('face', '=', face)
      .where('expires_at', '>', now)
      .executeTakeFirst()
  }

  async findById(id: number): Promise<RefreshTokenRow | undefined> {
    return this.db.selectFrom('refresh_token').selectAll().where('id', '=', id).executeTakeFirst()
  }

  /**
   * Swaps a token for a new one atomically: only one of two concurrent uses of
   * the same refresh token succeeds. Returns the row before the swap.
   */
  async rotate(
    oldHash: string,
    face: RefreshTokenRow['face'],
    now: string,
    next: { tokenHash: string; sessionId: number | null },
  ): Promise<RefreshTokenRow | undefined> {
    const old = await this.findLive(oldHash, face, now)
    if (!old) return undefined
    const r = await this.db
      .updateTable('refresh_token')
      .set({ token_hash: next.tokenHash, session_id: next.sessionId })
      .where('id', '=', old.id)
      .where('token_hash', '=', oldHash)
      .executeTakeFirst()
    return Number(r.numUpdatedRows) === 1 ? old : undefined
  }

  async deleteByHash(tokenHash: string, face: RefreshTokenRow['face']): Promise<void> {
    await this.db.deleteFrom('refresh_token').where('token_hash', '=', tokenHash).where('face', '=', face).execute()
  }

  async deleteBySession(sessionId: number): Promise<void> {
    await this.db.deleteFrom('refresh_token').where('session_id', '=', sessionId).execute()
  }

  /** Deletes up to `limit` refresh tokens that expired at or before `now`; returns how many. */
  async deleteExpired(now: string, limit: number): Promise<number> {
    const r = await this.db
      .deleteFrom('refresh_token')
      .where('id', 'in', (eb) =>
        eb.selectFrom('refresh_token').select('id').where('expires_at', '<=', now).limit(limit),
      )
      .executeTakeFirst()
    return Number(r.numDeletedRows)
  }

  /** A named server secret (see migration 0003). */
  async secret(name: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('server_secret').select('value').where('name', '=', name).executeTakeFirst()
    return r?.value
  }
}
