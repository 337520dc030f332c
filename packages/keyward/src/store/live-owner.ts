import type { Kysely } from 'kysely'
import { notFound } from '../core/errors.js'
import type { Dialect } from './database.js'
import type { Database } from './schema.js'

/** The owners that are removed, rows and all: organizations, applications, devices. Users are tombstoned. */
const REMOVABLE = ['organization', 'application', 'device'] as const

/**
 * Throws 404 unless every removable owner among `actorIds` still exists, read in the transaction that writes keys
 * for them, under `for share` on PostgreSQL. THE rule that a key never outlives its owner: an owner's removal
 * locks its row `for update` before it reads the keys it ends (`fleet-removal.ts`, `OrgRepository.delete`), so a
 * key written meanwhile either commits first and is read and ended with the rest, or waits for the removal and
 * finds no owner here. The request's own check (`ownerOf`) comes before its transaction: alone, it let a key made
 * while its application was deleted outlive it and verify VALID. SQLite runs one write transaction at a time.
 * Call it first in the transaction (the lock order: owner, identities, producer), as the removals lock owners
 * before keys. Users are tombstoned, never removed: a deleted user's keys answer DISABLED.
 */
export async function holdOwners(db: Kysely<Database>, dialect: Dialect, actorIds: readonly number[]): Promise<void> {
  const ids = [...new Set(actorIds)].sort((a, b) => a - b)
  if (ids.length === 0) return
  const actors = await db.selectFrom('actor').select(['id', 'kind']).where('id', 'in', ids).execute()
  if (actors.length < ids.length) throw notFound('owner')
  for (const kind of REMOVABLE) {
    const wanted = actors.filter((a) => a.kind === kind).map((a) => a.id)
    if (wanted.length === 0) continue
    const q = db.selectFrom(kind).select('actor_id').where('actor_id', 'in', wanted).orderBy('actor_id')
    const held = await (dialect === 'postgres' ? q.forShare() : q).execute()
    if (held.length < wanted.length) throw notFound(kind)
  }
}
