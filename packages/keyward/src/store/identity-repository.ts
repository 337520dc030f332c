import type { Kysely } from 'kysely'
import type { Identity, NamedLimit, Principal, Refill, VerifiableIdentity } from '../core/types.js'
import { type TakenCredits, refillIdentityIfDue, takeIdentityCredits } from './credits.js'
import type { Dialect } from './database.js'
import { holdOwners } from './live-owner.js'
import { hashesOf } from './key-hashes.js'
import type { Database, IdentityRow } from './schema.js'
import { visibleActors } from './visibility.js'

/** The credit columns of a row (identity or key) as a `Refill`, or null. */
const refillOf = (r: { refill_amount: number | null; refill_interval_s: number | null }): Refill | null =>
  r.refill_amount !== null && r.refill_interval_s !== null
    ? { amount: r.refill_amount, interval_s: r.refill_interval_s }
    : null

/** What verification needs of an identity, from its columns (also read by `KeyRepository.findByHash`'s join). */
export function identityOfRow(
  r: Pick<IdentityRow, 'id' | 'ratelimits' | 'remaining' | 'refill_amount' | 'refill_interval_s'>,
): VerifiableIdentity {
  return {
    id: r.id,
    ratelimits: JSON.parse(r.ratelimits) as NamedLimit[],
    remaining: r.remaining,
    refill: refillOf(r),
  }
}

function rowToIdentity(r: IdentityRow): Identity {
  return {
    ...identityOfRow(r),
    ownerActorId: r.owner_actor_id,
    externalId: r.external_id,
    meta: JSON.parse(r.meta) as Record<string, unknown>,
    lastRefillAt: r.last_refill_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

/** The columns of an identity a write sets. */
export type IdentityColumns = Omit<IdentityRow, 'id' | 'owner_actor_id' | 'created_at' | 'credits_epoch'>

/** Storage of identities. Knows SQL, not rules (who may see one is `visibleActors`, as for keys). */
export class IdentityRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Stores an identity; 404 when its owner is gone by then (`holdOwners`: an application deleted meanwhile). */
  async insert(row: Omit<IdentityRow, 'id' | 'credits_epoch'>): Promise<Identity> {
    return this.db.transaction().execute(async (trx) => {
      await holdOwners(trx, this.dialect, [row.owner_actor_id])
      const r = await trx.insertInto('identity').values(row).returningAll().executeTakeFirstOrThrow()
      return rowToIdentity(r)
    })
  }

  async findById(id: number): Promise<Identity | undefined> {
    const r = await this.db.selectFrom('identity').selectAll().where('id', '=', id).executeTakeFirst()
    return r && rowToIdentity(r)
  }

  /** A patch that sets `remaining` or the refill starts a new credits epoch (see `refund`). */
  async update(id: number, patch: Partial<IdentityColumns>): Promise<Identity | undefined> {
    const anew = 'remaining' in patch || 'refill_amount' in patch || 'refill_interval_s' in patch
    const r = await this.db
      .updateTable('identity')
      .set((eb) => ({ ...patch, ...(anew && { credits_epoch: eb('credits_epoch', '+', 1) }) }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return r && rowToIdentity(r)
  }

  /**
   * Unlinks up to `limit` of its keys (one transaction); returns how many, and their hashes for
   * the verify cache. An identity's deletion unlinks its keys this way, chunk by chunk, before
   * `delete`: one UPDATE of 25,000 keys held SQLite's loop 140–300 ms (a tester's find). Its row
   * is taken first, as in `delete`.
   */
  unlinkKeys(id: number, limit: number): Promise<{ unlinked: number; hashes: string[] }> {
    return this.db.transaction().execute(async (tx) => {
      await this.lock(tx, id)
      const rows = await unlink(tx, id, limit)
      return { unlinked: rows.length, hashes: rows.flatMap(hashesOf) }
    })
  }

  /**
   * Unlinks its remaining keys, then deletes it (one transaction); the hashes of the keys it
   * unlinked (any made since the chunks of `unlinkKeys`), or null when there was no identity.
   * Its row is taken first: two deletes that both went for its keys locked them in different
   * orders and deadlocked (PostgreSQL, 40P01); now the second waits for the first, then finds it
   * gone. A key created in it meanwhile waits too (its foreign key's share lock), then fails (409).
   */
  delete(id: number): Promise<string[] | null> {
    return this.db.transaction().execute(async (tx) => {
      await this.lock(tx, id)
      const rows = await unlink(tx, id)
      const r = await tx.deleteFrom('identity').where('id', '=', id).executeTakeFirst()
      if (r.numDeletedRows === 0n) return null
      return rows.flatMap(hashesOf)
    })
  }

  /** Takes the identity's row until the transaction ends (SQLite's writers take turns already). */
  private async lock(tx: Kysely<Database>, id: number): Promise<void> {
    if (this.dialect === 'postgres')
      await tx.selectFrom('identity').select('id').where('id', '=', id).forUpdate().execute()
  }

  /** Identities `viewer` may see, newest first, optionally one `external_id` (unique per owner, so few rows). */
  async list(viewer: Principal, f: { externalId?: string; limit: number }): Promise<Identity[]> {
    let q = this.db.selectFrom('identity').selectAll()
    const visible = visibleActors(this.db, viewer)
    if (visible) q = q.where('owner_actor_id', 'in', visible)
    if (f.externalId !== undefined) q = q.where('external_id', '=', f.externalId)
    const rows = await q.orderBy('id', 'desc').limit(f.limit).execute()
    return rows.map(rowToIdentity)
  }

  /**
   * Gives back credits taken by a verification that a later check refused, only while the
   * identity is still in the credits epoch they came from: a refill or a PATCH since then set the
   * count anew, and a give-back on top would hold more than its refill amount (41 of 40), or
   * bring back credits an admin set to 0 (a reviewer's find).
   */
  async refund(id: number, cost: number, from: TakenCredits): Promise<void> {
    await this.db
      .updateTable('identity')
      .set((eb) => ({ remaining: eb('remaining', '+', cost) }))
      .where('id', '=', id)
      .where('remaining', 'is not', null)
      .where('credits_epoch', '=', from.epoch)
      .execute()
  }

  /** Applies the identity's refill if it is due (see `refillIdentityIfDue`). */
  applyDueRefill(id: number, now: Date, refill: Refill): Promise<void> {
    return refillIdentityIfDue(this.db, id, now, refill)
  }

  /** Takes `cost` of the identity's credits (atomic; see `takeIdentityCredits`); null when too few are left. */
  consumeUse(id: number, now: Date, refill: Refill | null, cost: number): Promise<TakenCredits | null> {
    return takeIdentityCredits(this.db, id, now, refill, cost)
  }
}

/** Unlinks an identity's keys (up to `limit`, if given); their hashes. */
function unlink(tx: Kysely<Database>, id: number, limit?: number) {
  let keys = tx.selectFrom('api_key').select('id').where('identity_id', '=', id)
  if (limit !== undefined) keys = keys.limit(limit)
  return tx
    .updateTable('api_key')
    .set({ identity_id: null })
    .where('id', 'in', keys)
    .returning(['hash', 'previous_hash'])
    .execute()
}
