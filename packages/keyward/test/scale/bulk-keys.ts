import { sql } from 'kysely'
import { type Store, openStore } from '../../src/store/database.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { type StoreKind, freshDatabase } from '../helpers.js'

/**
 * Inserts `n` user keys owned by `actorId` in one statement, straight into the table
 * (the API would take minutes for 100,000). Names `bulk-<tag>-<i>` (unique per owner, so
 * live-name uniqueness holds), descriptions `bulk key <i>`, two scopes (a scope filter parses them),
 * hashes that no secret has.
 * A stand-in until heavy-odata's `bulkLoadKeys` fixture lands on main; same job, swap it in.
 */
export async function bulkInsertKeys(store: Store, actorId: number, n: number, tag: string): Promise<void> {
  const at = new Date().toISOString()
  const rows =
    store.dialect === 'postgres'
      ? sql`select i from generate_series(1, ${n}::int) as s(i)`
      : sql`select i from (with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n}) select i from s)`
  await sql`insert into api_key (actor_id, kind, name, description, hash, key_prefix, scopes, meta, created_at, updated_at)
    select ${actorId}, 'user', ${`bulk-${tag}-`} || i, ${'bulk key '} || i, ${`bulk-hash-${tag}-`} || i, 'kw_bulk', '["bulk:read","bulk:write"]', '{}', ${at}, ${at}
    from (${rows}) as n`.execute(store.db)
}

/** Runs `use` on a fresh, migrated store of `kind` with one user actor to own bulk keys, then drops the database. */
export async function withBulkStore(
  kind: StoreKind,
  use: (st: Store, actorId: number) => Promise<void>,
): Promise<void> {
  const db = await freshDatabase(kind)
  const st = openStore(db.url)
  try {
    await migrateToLatest(st.db, st.dialect)
    const actor = await st.db
      .insertInto('actor')
      .values({ kind: 'user', created_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow()
    await use(st, actor.id)
  } finally {
    await st.close()
    await db.drop()
  }
}
