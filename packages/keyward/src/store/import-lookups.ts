import { type Kysely, sql } from 'kysely'
import type { Dialect } from './database.js'
import type { Database } from './schema.js'

/** An owner actor and a name of one of its keys. */
export interface OwnedName {
  actorId: number
  name: string
}

/**
 * Which of these (owner actor, name) pairs name a live user key, as `actorId:name`: one query per
 * import call, one probe of the unique index `api_key_user_name_idx` per pair on both dialects.
 * PostgreSQL is given the pairs as arrays joined to the table, not `name in (…1,000 names)`: for an
 * IN list its planner prefers the pg_trgm GIN index on `name` once `api_key` is analyzed, and
 * generated names share most trigrams, so each call rechecked nearly every row (0.9 s per call at
 * 25,000 keys, 3 s at 100,000: an import slowed as it went, BENCHMARKS.md). A join on `unnest`
 * can only probe the btree. SQLite's planner already probes that index for the IN list.
 */
export async function liveUserKeyNames(
  db: Kysely<Database>,
  dialect: Dialect,
  pairs: readonly OwnedName[],
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set()
  const rows = dialect === 'postgres' ? await namesByJoin(db, pairs) : await namesByList(db, pairs)
  return new Set(rows.map((r) => `${r.actor_id}:${r.name}`))
}

type NameRow = { actor_id: number; name: string | null }

function namesByJoin(db: Kysely<Database>, pairs: readonly OwnedName[]): Promise<NameRow[]> {
  const actors = pairs.map((p) => p.actorId)
  const names = pairs.map((p) => p.name)
  return sql<NameRow>`select k.actor_id, k.name
    from unnest(${actors}::int[], ${names}::text[]) as p(actor_id, name)
    join api_key k on k.actor_id = p.actor_id and k.name = p.name
    where k.kind = 'user' and k.revoked_at is null`
    .execute(db)
    .then((r) => r.rows)
}

function namesByList(db: Kysely<Database>, pairs: readonly OwnedName[]): Promise<NameRow[]> {
  return db
    .selectFrom('api_key')
    .select(['actor_id', 'name'])
    .where('kind', '=', 'user')
    .where('revoked_at', 'is', null)
    .where('name', 'in', [...new Set(pairs.map((p) => p.name))])
    .where('actor_id', 'in', [...new Set(pairs.map((p) => p.actorId))])
    .execute()
}
