import { type Kysely, type Migration } from 'kysely'
import type { Dialect } from '../database.js'

/** Name of the table of shared rate-limit counters (PostgreSQL only). */
export const RATE_LIMIT_TABLE = 'keyward_rate_limit'

/**
 * Shared per-key rate-limit counters for nodes that use PostgreSQL as the limiter
 * store. The shape is the one rate-limiter-flexible's RateLimiterPostgres expects;
 * creating it here (not lazily in the limiter) keeps DDL out of the request path.
 */
export function rateLimit(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect !== 'postgres') return
      await db.schema
        .createTable(RATE_LIMIT_TABLE)
        .ifNotExists()
        .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expire', 'bigint')
        .execute()
    },
    async down(db: Kysely<any>) {
      if (dialect !== 'postgres') return
      await db.schema.dropTable(RATE_LIMIT_TABLE).ifExists().execute()
    },
  }
}
