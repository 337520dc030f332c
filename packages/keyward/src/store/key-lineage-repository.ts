import type { Kysely } from 'kysely'
import type { Principal } from '../core/types.js'
import type { Database } from './schema.js'
import { visibleActors } from './visibility.js'

/** A key revoked with the key that made it: what the cache and the audit trail need. */
export interface RevokedDescendant {
  id: number
  actorId: number
  createdByKeyId: number
  hashes: string[]
}

/**
 * "Which keys did these keys make?" over `created_by_key_id` (migration 0013). Only keys
 * `viewer` may see are touched (`visibleActors`, the store twin of `canSeeOwner`): revoking
 * what a key made never reaches past its revoker. Knows SQL, not rules.
 */
export class KeyLineageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Revokes the unrevoked keys made by `parents` that `viewer` may see, at most `limit` of
   * them, and returns them. Callers repeat until it returns fewer than `limit` (chunks keep
   * each statement short: on SQLite it holds the event loop).
   */
  async revokeChildren(
    viewer: Principal,
    parents: readonly number[],
    limit: number,
    at: string,
    reason: string,
  ): Promise<RevokedDescendant[]> {
    let q = this.db
      .selectFrom('api_key')
      .select('id')
      .where('created_by_key_id', 'in', parents)
      .where('revoked_at', 'is', null)
    const visible = visibleActors(this.db, viewer)
    if (visible) q = q.where('actor_id', 'in', visible)
    const ids = (await q.orderBy('id').limit(limit).execute()).map((r) => r.id)
    if (ids.length === 0) return []
    const rows = await this.db
      .updateTable('api_key')
      .set({ revoked_at: at, revoked_reason: reason, updated_at: at })
      .where('id', 'in', ids)
      .where('revoked_at', 'is', null)
      .returning(['id', 'actor_id', 'created_by_key_id', 'hash', 'previous_hash'])
      .execute()
    return rows.map((r) => ({
      id: r.id,
      actorId: r.actor_id,
      createdByKeyId: r.created_by_key_id!,
      hashes: r.previous_hash === null ? [r.hash] : [r.hash, r.previous_hash],
    }))
  }
}
