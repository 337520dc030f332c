import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** What the servers share state through (migration 0021). */
export interface ClusterShape {
  invalidation_bus: string
  rate_limit_store: string
  /** The Redis key prefix, where either is `redis`: another prefix is another channel. */
  redis_prefix?: string
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
    .execute()
    .catch((e: unknown) => {
      // Servers older than migration 0021 record nothing: nothing to agree on.
      if ((e as { code?: string }).code === '42P01') return []
      throw e
    })
  return Object.fromEntries(rows.map((r) => [r.name, r.value]))
}
