import { type Kysely, sql } from 'kysely'
import type { Database } from './schema.js'

/** The `cluster_setting` row counting writes made outside every server (migration 0021's table). */
const ROW = 'outside_writes'

/**
 * How a SQLite server learns of a write that did not go through it. Every write to a SQLite database goes through
 * its server, whose local bus evicts what changed (`VerifyStackOptions.role`), except an operator's tool run beside
 * it with the database's credentials (`keyward reset-password`). Invariant, enforced by that tool and read by the
 * server's watch (`cluster/key-change-watch.ts`): such a tool bumps this counter after its write committed, so a
 * server that sees the counter move clears its cache and holds nothing read before the write. Not the key-change
 * counter (`key-changes.ts`): the server bumps that itself on every key write, and would clear its cache each time.
 * PostgreSQL nodes hear the tool on the bus instead.
 */
export async function bumpOutsideWrites(db: Kysely<Database>): Promise<void> {
  const at = new Date().toISOString()
  await db
    .insertInto('cluster_setting')
    .values({ name: ROW, value: '1', updated_at: at })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ value: sql`cast(cast(cluster_setting.value as integer) + 1 as text)`, updated_at: at }),
    )
    .execute()
}

/** The counter's value now (0 before any outside write). */
export async function readOutsideWrites(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('cluster_setting').select('value').where('name', '=', ROW).executeTakeFirst()
  return r ? Number(r.value) : 0
}
