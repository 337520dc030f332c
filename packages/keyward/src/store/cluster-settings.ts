import type { Kysely } from 'kysely'
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
/** Canaries recorded longer ago than this are no node's lately (servers' clocks may differ by some seconds). */
const CANARY_RECENT_MS = 30_000
/** A stopped server's row is removed by the others after this long. */
const CANARY_FORGET_MS = 3_600_000

/** The canary records of one database: each server's last canary, in a row of its own. */
export function canaryRecord(db: Kysely<Database>, role: 'server' | 'embedded', now: () => Date) {
  const row = (node: string) => CANARY_ROW + node
  const ago = (ms: number) => new Date(now().getTime() - ms).toISOString()
  let writes = 0
  return {
    async read(): Promise<string[]> {
      const rows = await db
        .selectFrom('cluster_setting')
        .select('value')
        .where('name', 'like', `${CANARY_ROW}%`)
        .where('updated_at', '>', ago(CANARY_RECENT_MS))
        .execute()
      return rows.map((r) => r.value)
    },
    ...(role === 'server' && {
      async write(node: string, canary: string): Promise<void> {
        const at = now().toISOString()
        await db
          .insertInto('cluster_setting')
          .values({ name: row(node), value: canary, updated_at: at })
          .onConflict((oc) => oc.column('name').doUpdateSet({ value: canary, updated_at: at }))
          .execute()
        if (writes++ % 600 !== 0) return
        await db
          .deleteFrom('cluster_setting')
          .where('name', 'like', `${CANARY_ROW}%`)
          .where('updated_at', '<', ago(CANARY_FORGET_MS))
          .execute()
      },
    }),
  }
}
