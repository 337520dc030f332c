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
 * import call, one probe of the btree `api_key_user_name_idx` per pair on both dialects.
 * PostgreSQL must not answer it from the pg_trgm GIN index on `name`: pg_trgm serves `=` too, the
 * planner prefers it once `api_key` is analyzed (its estimate is one row per name), and generated
 * names share most trigrams, so each lookup rechecks nearly every row: 0.9 s per call at 25,000
 * keys, 3 s at 100,000, past the statement timeout after that (BENCHMARKS.md, 2026-11-30). A GIN
 * index is only ever read by a bitmap scan, so the lookup runs with bitmap scans off for its own
 * transaction (inside a caller's transaction, until that one ends). SQLite's planner already
 * probes the btree for the IN list.
 */
export async function liveUserKeyNames(
  db: Kysely<Database>,
  dialect: Dialect,
  pairs: readonly OwnedName[],
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set()
  const rows =
    dialect === 'postgres'
      ? await withoutBitmapScans(db, (trx) => namesByJoin(trx, pairs))
      : await namesByList(db, pairs)
  return new Set(rows.map((r) => `${r.actor_id}:${r.name}`))
}

/** Runs `work` in a transaction (the caller's, or its own) where the planner may not use bitmap scans. */
function withoutBitmapScans<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  const run = async (trx: Kysely<Database>) => {
    await sql`set local enable_bitmapscan = off`.execute(trx)
    return work(trx)
  }
  return db.isTransaction ? run(db) : db.transaction().execute(run)
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

/** A key already holding a hash: as its current secret, or as the old one of a roll with a grace period. */
export interface HashHolder {
  id: number
  actorId: number
  externalId: string | null
  /** True when the hash is the key's current one; false when it is its pre-roll hash. */
  current: boolean
}

/** Hashes per statement: two bound parameters each, under both stores' limits. */
const CHUNK = 1000

/**
 * Which of `hashes` a key holds, current or previous (`findByHash` matches both, so a hash must
 * stay unique across the two columns, not only within `hash`'s unique index). Served by the
 * unique index on `hash` and `api_key_previous_hash_idx`. For the import's decision only: its
 * answer to a caller never says which key, or whose (`services/keys/key-import.ts`).
 */
export async function hashesInUse(db: Kysely<Database>, hashes: readonly string[]): Promise<Map<string, HashHolder>> {
  const found = new Map<string, HashHolder>()
  for (let i = 0; i < hashes.length; i += CHUNK) {
    const part = hashes.slice(i, i + CHUNK)
    const rows = await db
      .selectFrom('api_key')
      .select(['id', 'actor_id', 'external_id', 'hash', 'previous_hash'])
      .where((eb) => eb.or([eb('hash', 'in', part), eb('previous_hash', 'in', part)]))
      .execute()
    for (const r of rows) {
      const holder = { id: r.id, actorId: r.actor_id, externalId: r.external_id }
      found.set(r.hash, { ...holder, current: true })
      if (r.previous_hash && !found.has(r.previous_hash)) found.set(r.previous_hash, { ...holder, current: false })
    }
  }
  return found
}

/** Keys followed back through `created_by_key_id` at most (a chain is as long as keys made by keys); past it, null. */
const MAKER_DEPTH = 64

/**
 * The user who made key `keyId`, directly or through keys it made (an organization key made by an
 * organization key made in a member's session): the nearest `created_by_actor_id` along the
 * `created_by_key_id` chain that is a user's actor. Null when the chain ends without one (a deleted
 * link, or made by no person).
 */
export async function makerUserOf(db: Kysely<Database>, keyId: number): Promise<number | null> {
  const r = await sql<{ id: number }>`
    with recursive chain (made_by_key, made_by_actor, depth) as (
      select created_by_key_id, created_by_actor_id, 0 from api_key where id = ${keyId}
      union all
      select k.created_by_key_id, k.created_by_actor_id, c.depth + 1
        from api_key k join chain c on k.id = c.made_by_key
       where c.depth < ${MAKER_DEPTH}
    )
    select u.id from chain join "user" u on u.actor_id = chain.made_by_actor order by chain.depth limit 1`.execute(db)
  return r.rows[0]?.id ?? null
}
