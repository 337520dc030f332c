import { type Kysely, sql } from 'kysely'
import type { Dialect } from './database.js'
import type { Database } from './schema.js'

/** What the servers share state through (migration 0021). */
export interface ClusterShape {
  invalidation_bus: string
  rate_limit_store: string
  /** The Redis key prefix, where either is `redis`: another prefix is another channel. */
  redis_prefix?: string
  /**
   * The Redis database index, where either is `redis`: pub/sub ignores it, but rate-limit counters
   * in another index were counted apart (an attacker's find: a second full limit).
   */
  redis_database?: string
}

/** Records this server's shape (every server at start; the last one's stays). */
export async function recordClusterShape(db: Kysely<Database>, shape: ClusterShape, now: Date): Promise<void> {
  const at = now.toISOString()
  for (const [name, value] of Object.entries(shape) as [keyof ClusterShape, string | undefined][]) {
    if (value === undefined) continue
    await db
      .insertInto('cluster_setting')
      .values({ name, value, updated_at: at })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value, updated_at: at }))
      .execute()
  }
}

/** The servers' shape as recorded, as far as any server recorded it. */
export async function readClusterShape(db: Kysely<Database>): Promise<Partial<ClusterShape>> {
  const rows = await db
    .selectFrom('cluster_setting')
    .select(['name', 'value'])
    .where('name', 'not like', `${CANARY_ROW}%`)
    .execute()
    .catch((e: unknown) => {
      // Servers older than migration 0021 record nothing: nothing to agree on.
      if ((e as { code?: string }).code === '42P01') return []
      throw e
    })
  return Object.fromEntries(rows.map((r) => [r.name, r.value]))
}

/** A server's canary row (`services/cluster/bus-canary.ts`): this prefix and the node's tag. */
const CANARY_ROW = 'bus_canary:'
/** Canaries recorded longer ago than this (by the database's clock) are no node's lately. */
const CANARY_RECENT_MS = 30_000
/** A stopped server's row is removed by the others after this long. */
const CANARY_FORGET_MS = 3_600_000

/**
 * The database's clock as `updated_at` text, `ms` milliseconds ago: canary rows are written and
 * judged recent by one clock. The servers' own clocks put a row 40 s ahead out of every other
 * node's 30 s window, hiding a split (a reviewer's find).
 */
function databaseTime(dialect: Dialect, ms = 0) {
  return dialect === 'postgres'
    ? sql<string>`to_char((now() - make_interval(secs => ${ms / 1000})) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
    : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`-${ms / 1000} seconds`})`
}

/** The canary records of one database: each server's last canary, in a row of its own. */
export function canaryRecord(db: Kysely<Database>, dialect: Dialect, role: 'server' | 'embedded') {
  const row = (node: string) => CANARY_ROW + node
  let writes = 0
  return {
    async read(): Promise<string[]> {
      const rows = await db
        .selectFrom('cluster_setting')
        .select('value')
        .where('name', 'like', `${CANARY_ROW}%`)
        .where('updated_at', '>', databaseTime(dialect, CANARY_RECENT_MS))
        .execute()
      return rows.map((r) => r.value)
    },
    ...(role === 'server' && {
      async write(node: string, canary: string): Promise<void> {
        const at = databaseTime(dialect)
        await db
          .insertInto('cluster_setting')
          .values({ name: row(node), value: canary, updated_at: at })
          .onConflict((oc) => oc.column('name').doUpdateSet({ value: canary, updated_at: at }))
          .execute()
        if (writes++ % 600 !== 0) return
        await db
          .deleteFrom('cluster_setting')
          .where('name', 'like', `${CANARY_ROW}%`)
          .where('updated_at', '<', databaseTime(dialect, CANARY_FORGET_MS))
          .execute()
      },
    }),
  }
}
