import type { Kysely } from 'kysely'
import { producerRevoked } from '../core/errors.js'
import type { Dialect } from './database.js'
import type { Database } from './schema.js'

/**
 * Whether key `id` exists and is neither revoked nor disabled, read in the caller's transaction
 * under `for share` (PostgreSQL). Revoke ends it (KeyLineage): a revoke's UPDATE of the key waits
 * for this transaction, so the cascade that follows reads what the key made here (a key, a rolled
 * secret, a password); or this read waits for the revoke and sees it. `producerOf`'s earlier read
 * alone let a key minted in a tight loop survive a cascade (an attacker's find: 14–22 keys in 12
 * trials), and a password hashed meanwhile likewise. SQLite's writers take turns.
 * Read after `holdIdentities` (its lock order).
 */
export async function isLiveProducer(
  db: Kysely<Database>,
  dialect: Dialect,
  id: number,
  graceEnd?: string,
): Promise<boolean> {
  const row = db
    .selectFrom('api_key')
    .select(['revoked_at', 'disabled_at', 'previous_hash_expires_at'])
    .where('id', '=', id)
  const r = await (dialect === 'postgres' ? row.forShare() : row).executeTakeFirst()
  const live = r !== undefined && r.revoked_at === null && r.disabled_at === null
  // A rolled-away secret produces only while its grace period is still the one it authenticated in: an
  // end-grace committing between the request's check and this write otherwise missed what it made (a
  // reviewer's find); one committing after it waits for this lock, then revokes what it made.
  return live && (graceEnd === undefined || r.previous_hash_expires_at === graceEnd)
}

/** Throws 401 unless key `id` is live (`isLiveProducer`), in the transaction that writes what it makes. */
export async function requireLiveProducer(db: Kysely<Database>, dialect: Dialect, id: number, graceEnd?: string) {
  if (!(await isLiveProducer(db, dialect, id, graceEnd))) throw producerRevoked()
}
