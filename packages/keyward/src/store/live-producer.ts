import { type Kysely, sql } from 'kysely'
import { loginEnded, producerRevoked } from '../core/errors.js'
import { type Maker, type ProducerSecret, isSecret } from '../core/producer.js'
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
  producer: ProducerSecret,
): Promise<boolean> {
  const { keyId, hash, graceEnd } = producer
  await holdKeysShared(db, dialect, keyId)
  const row = db
    .selectFrom('api_key')
    .select(['revoked_at', 'disabled_at', 'previous_hash_expires_at', 'hash', 'previous_hash'])
    .where('id', '=', keyId)
  const r = await (dialect === 'postgres' ? row.forShare() : row).executeTakeFirst()
  const live = r !== undefined && r.revoked_at === null && r.disabled_at === null
  // A rolled-away secret produces only while its grace period is still the one it authenticated in: an
  // end-grace committing between the request's check and this write otherwise missed what it made (a
  // reviewer's find); one committing after it waits for this lock, then revokes what it made.
  if (!live || (graceEnd !== undefined && r.previous_hash_expires_at !== graceEnd)) return false
  // And only while the secret is still the key's: a create queued behind its key's roll committed after it,
  // recording the new secret's line for what the old one made (an attacker's find: 6 to 11 of 16 to 42 keys a
  // stolen secret made escaped its maker's revoke when the owner rolled; `key-origins.ts` invariant 2).
  return hash === undefined || (graceEnd === undefined ? r.hash === hash : r.previous_hash === hash)
}

/**
 * Whether `maker` may make something now, read in the caller's transaction: a key's secret as `isLiveProducer`; a
 * login whose password a key chose while its stored credential is, under `for share` (PostgreSQL). A revoke that
 * clears that password ends the login after its walk: the deletion waits for this write, and the revoke's last
 * pass reads what it made; or this read waits for the deletion and finds nothing (`key-origins.ts` invariant 7).
 */
export async function isLiveMaker(db: Kysely<Database>, dialect: Dialect, maker: Maker): Promise<boolean> {
  if (isSecret(maker)) return isLiveProducer(db, dialect, maker)
  const { table, id } = maker.credential
  const q = db
    .selectFrom(table as 'session')
    .select('id')
    .where('id', '=', id) // both tables key on `id`
  return (await (dialect === 'postgres' ? q.forShare() : q).executeTakeFirst()) !== undefined
}

/** Throws 401 unless the maker is live (`isLiveMaker`), in the transaction that writes what it makes. */
export async function requireLiveProducer(db: Kysely<Database>, dialect: Dialect, maker: Maker) {
  if (!(await isLiveMaker(db, dialect, maker))) throw isSecret(maker) ? producerRevoked() : loginEnded()
}

/** The advisory locks of keys (PostgreSQL, one bigint each): this base plus the key's id. Keyward's own range. */
const KEY_LOCKS = 0x6b77 * 2 ** 32

/**
 * Fairness for the writes that end a key (PostgreSQL). A producer holds its key's row `for share` until it commits
 * (`isLiveProducer`), and a share lock overtakes an UPDATE already waiting for the row: a key minting from several
 * connections kept its row share-locked, and its revoke waited out its lock budget and answered 503 while the keys
 * kept coming (an attack: `test/attack/revoke-starved`). The lock manager queues a request behind a conflicting
 * waiter, so each producer first takes its key's advisory lock shared (`holdKeysShared`), and a write of keys
 * takes theirs exclusive (`holdKeysExclusive`) before its UPDATE: later producers wait behind it, those in flight
 * commit, and the row is free. Held until the transaction ends. SQLite has one writer: nothing to do.
 */
export async function holdKeysShared(db: Kysely<Database>, dialect: Dialect, id: number): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock_shared(${KEY_LOCKS + id})`.execute(db)
}

/** Keys `ids`' advisory locks, exclusive, in id order (two writers of overlapping sets cannot deadlock on them). */
export async function holdKeysExclusive(db: Kysely<Database>, dialect: Dialect, ids: readonly number[]): Promise<void> {
  if (dialect !== 'postgres' || ids.length === 0) return
  const keys = [...new Set(ids)].sort((a, b) => a - b).map((id) => KEY_LOCKS + id)
  await sql`select pg_advisory_xact_lock(k) from unnest(${keys}::bigint[]) as t(k)`.execute(db) // in array order
}
