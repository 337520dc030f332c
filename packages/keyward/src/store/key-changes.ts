import { type Kysely, sql } from 'kysely'
import type { Database } from './schema.js'

/**
 * How a process that shares a SQLite file with the server learns that keys changed, without
 * a bus (processes on one file share nothing else) and without a per-verification read.
 *
 * Invariant, enforced by `KeyRepository` (its key writes on SQLite) and read by
 * `services/cluster/key-change-watch.ts`: every write that changes what `findByHash` answers
 * for some hash (today: insert, update, delete of an `api_key` row; whoever adds a write to
 * what it joins, such as a user's role, calls `bumpKeyChanges` in that write's transaction)
 * bumps this counter in the same transaction, so a reader that sees the counter unchanged has seen no such write commit, and
 * one that sees it changed sees the write too. Writes that do not change a verification's
 * answer from a cached entry do not bump it (`last_used_at`, the usage counters, and the
 * atomic `remaining` decrement, which verification always makes in the database).
 *
 * Every invalidation published on SQLite's local bus bumps it too, after its write committed
 * (`createInvalidationBus`): writes outside `KeyRepository` (a user's deactivation, an identity,
 * a cascade of revocations) reach an embedded verifier exactly as they reach other nodes' caches.
 *
 * The counter is SQLite's `user_version` header field: an integer "available to applications
 * to use however they want", which SQLite itself never reads; it is transactional (a
 * rolled-back write rolls it back) and reading it costs one header read (about 6 µs), no table.
 * Kysely's migrator does not use it (it keeps its own tables), so this needs no migration.
 * Called with the write transaction of the key change (which is itself a `Kysely`).
 */
export async function bumpKeyChanges(trx: Kysely<Database>): Promise<void> {
  // Read inside the write transaction, after the key write took the write lock: no other
  // writer can commit between this read and the write below (WAL allows one writer).
  const n = await readKeyChanges(trx)
  // A PRAGMA takes no bound parameter; `n` is an integer SQLite just gave us.
  await sql.raw(`pragma user_version = ${(n + 1) % 2 ** 31}`).execute(trx)
}

/** The counter's value now (changes, never mind by how much, when keys changed). */
export async function readKeyChanges(db: Kysely<Database>): Promise<number> {
  const r = await sql<{ user_version: number }>`pragma user_version`.execute(db)
  return r.rows[0]?.user_version ?? 0
}
