import { sql } from 'kysely'
import type { Store } from '../../src/store/database.js'

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
