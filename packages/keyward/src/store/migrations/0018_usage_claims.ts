import { type Kysely, type Migration, sql } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * `usage_claim`: the token of each usage-counter chunk written on PostgreSQL, inserted by the
 * chunk's own statement (`UsageRepository.add`). A chunk whose reply was lost after it committed
 * is retried under the same token and then adds nothing: counted once. Each statement deletes its
 * writer's previous token (settled), and a stopping writer its own, so the table holds about one
 * row per running node; tokens of nodes that died are deleted a day later by the first chunk of
 * the next writer to start (`UsageClaim.settled`). SQLite gets the table too (one schema) but
 * never uses it: its statements cannot commit without telling the caller (in-thread), and its
 * writer thread has its own token (`usage-writer.ts`).
 *
 * On PostgreSQL `key_usage.count` becomes `bigint`: a key verified more than 2³¹−1 times in one
 * day (about 25,000 a second) failed its whole chunk, on every flush. SQLite integers are 64-bit
 * already. The change rewrites `key_usage` under a lock, once.
 */
export function usageClaims(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('usage_claim')
        .addColumn('token', 'text', (c) => c.primaryKey())
        .addColumn('written_at', 'text', (c) => c.notNull())
        .execute()
      if (dialect === 'postgres') await sql`alter table key_usage alter column count type bigint`.execute(db)
    },
    // Refused ("integer out of range") once a count has passed 2³¹−1: going back would lose it.
    async down(db: Kysely<any>) {
      if (dialect === 'postgres') await sql`alter table key_usage alter column count type integer`.execute(db)
      await db.schema.dropTable('usage_claim').execute()
    },
  }
}
