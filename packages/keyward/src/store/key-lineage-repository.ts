import type { ExpressionBuilder, Kysely } from 'kysely'
import type { Principal } from '../core/types.js'
import type { Dialect } from './database.js'
import { appendKeyEvents } from './key-event-repository.js'
import { KeyRepository } from './key-repository.js'
import { holdKeysExclusive } from './live-producer.js'
import { inLineOf } from './key-origins.js'
import { ownedKeysChunk } from './owned-keys.js'
import type { Database } from './schema.js'
import { visibleActors } from './visibility.js'

/** A key revoked with the key that made it: what the cache and the audit trail need. */
export interface RevokedDescendant {
  id: number
  actorId: number
  createdByKeyId: number | null
  hashes: string[]
}

/**
 * "Which keys did these keys make?" over `created_by_key_id` (migration 0013), the secrets they
 * rolled (migration 0031, `madeByKeys`), and what those secrets made (migration 0033, `inLineOf`). Only keys
 * `viewer` may see are touched (`visibleActors`, the store twin of `canSeeOwner`): revoking
 * what a key made never reaches past its revoker. A null viewer sees every key: the grace
 * cascade (`KeyLineage.revokeGraceProducts`: what a rolled-away secret made ends with it, whoever
 * owns it), also run for a leak report, which has no caller. Knows SQL, not rules.
 */
export class KeyLineageRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Keys per `revokeChildren` call: as many as an owner's keys ending with it (`owned-keys.ts`, measured there). */
  get chunk(): number {
    return ownedKeysChunk(this.dialect)
  }

  /**
   * Revokes the unrevoked keys made by `parents` that `viewer` may see, at most `limit` of
   * them, and returns them. Callers repeat until it returns fewer than `limit` (chunks keep
   * each statement short: on SQLite it holds the event loop). Each revoked key gets its
   * `key.revoked` event in the same transaction (the outbox rule, `key-event-repository.ts`:
   * a cascade sent webhooks nothing for the keys it revoked, a tester's find); a key another
   * request revoked first gets none from here (the guard on the UPDATE). Which count as made: `made` (`Made`).
   */
  revokeChildren(
    viewer: Principal | null,
    parents: readonly number[],
    limit: number,
    now: Date,
    reason: string,
    made: Made,
  ): Promise<RevokedDescendant[]> {
    return this.db.transaction().execute(async (trx) => {
      const at = now.toISOString()
      const revoked = await this.revokeIn(trx, viewer, parents, limit, at, reason, made)
      const after = await new KeyRepository(trx, this.dialect).findByIds(revoked.map((r) => r.id))
      await appendKeyEvents(trx, 'key.revoked', after, now)
      return revoked
    })
  }

  /**
   * Every key made by `parents` that `viewer` may see, revoked or not: the next generation of a
   * cascade. A key already revoked is still on the line (its holder revoked a key it made, and
   * the keys that one made stayed live under it: a reviewer's find). Served by `api_key_created_by_key_idx`.
   * Which count as made: `made` (`Made`).
   */
  async childrenOf(viewer: Principal | null, parents: readonly number[], at: Made): Promise<number[]> {
    const ids: number[] = []
    for (let i = 0; i < parents.length; i += this.chunk) {
      let q = this.db
        .selectFrom('api_key')
        .select('id')
        .where(madeBy(parents.slice(i, i + this.chunk), at))
      const visible = viewer && visibleActors(this.db, viewer)
      if (visible) q = q.where('actor_id', 'in', visible)
      ids.push(...(await q.execute()).map((r) => r.id))
    }
    return ids
  }

  /** How many of keys `ids` are not revoked (chunked as `childrenOf`). */
  async countUnrevoked(ids: readonly number[]): Promise<number> {
    let n = 0
    for (let i = 0; i < ids.length; i += this.chunk) {
      const r = await this.db
        .selectFrom('api_key')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('id', 'in', ids.slice(i, i + this.chunk))
        .where('revoked_at', 'is', null)
        .executeTakeFirstOrThrow()
      n += Number(r.n)
    }
    return n
  }

  private async revokeIn(
    trx: Kysely<Database>,
    viewer: Principal | null,
    parents: readonly number[],
    limit: number,
    at: string,
    reason: string,
    made: Made,
  ): Promise<RevokedDescendant[]> {
    let q = trx.selectFrom('api_key').select('id').where(madeBy(parents, made)).where('revoked_at', 'is', null)
    const visible = viewer && visibleActors(trx, viewer)
    if (visible) q = q.where('actor_id', 'in', visible)
    const ids = (await q.orderBy('id').limit(limit).execute()).map((r) => r.id)
    if (ids.length === 0) return []
    await holdKeysExclusive(trx, this.dialect, ids) // a child minting in a loop cannot starve the cascade
    const rows = await trx
      .updateTable('api_key')
      .set({ revoked_at: at, revoked_reason: reason, updated_at: at })
      .where('id', 'in', ids)
      .where('revoked_at', 'is', null)
      .returning(['id', 'actor_id', 'created_by_key_id', 'hash', 'previous_hash'])
      .execute()
    return rows.map((r) => ({
      id: r.id,
      actorId: r.actor_id,
      createdByKeyId: r.created_by_key_id,
      hashes: r.previous_hash === null ? [r.hash] : [r.hash, r.previous_hash],
    }))
  }
}

/**
 * Which keys a cascade takes as made by its parents: `{ now }`, every key they made, by creating it or by
 * rolling a secret of it that still works then (`madeByKeys`, the rule `?made_by_key_id=` lists by too), and
 * every key made through a secret they made, at any depth (`inLineOf`);
 * `{ graceCutAt }`, only those a rolled-away secret created in a grace period cut short by then
 * (`madeInCutGrace`; a rolled-away secret rolls no key, `KeyService.roll`).
 */
export type Made = { now: string } | { graceCutAt: string }

function madeBy(parents: readonly number[], made: Made) {
  return (eb: ExpressionBuilder<Database, 'api_key'>) =>
    'now' in made
      ? eb.and([inLineOf('api_key', parents, made.now)])
      : eb.and([eb('created_by_key_id', 'in', parents), madeInCutGrace(eb, made.graceCutAt)])
}

/**
 * Made with a rolled-away secret (`created_in_grace_until`, migration 0027) whose grace period was cut short: it
 * was to run past `at` (one that ran its course ended the keys with it, as their expiry is bounded by it; a key
 * its owner extended since is theirs: an attacker's find, a long-ended grace period's keys were revoked by the
 * maker's next roll), and it is no longer its maker's (ended early, replaced by a roll, the maker revoked or
 * deleted). The secret now in its grace period may be making keys while an earlier one's are revoked, and those
 * live on. Read in the revoking statement, so a key made after a roll committed is judged against that roll (the
 * producer check locks the maker's row). A key's grace ends are distinct instants (`KeyService.roll`).
 */
function madeInCutGrace(eb: ExpressionBuilder<Database, 'api_key'>, at: string) {
  const live = eb
    .selectFrom('api_key as maker')
    .select('maker.previous_hash_expires_at')
    .whereRef('maker.id', '=', 'api_key.created_by_key_id')
    .where('maker.previous_hash', 'is not', null)
    .where('maker.previous_hash_expires_at', 'is not', null)
    .where('maker.revoked_at', 'is', null) // a revoked key's secrets all ended with it
  return eb.and([eb('created_in_grace_until', '>', at), eb('created_in_grace_until', 'not in', live)])
}
