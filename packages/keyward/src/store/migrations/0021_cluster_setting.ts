import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * `cluster_setting`: what the servers of one database share state through (`invalidation_bus`,
 * `rate_limit_store`), written by each server at start, read by an embedded verifier
 * (`store/cluster-settings.ts`): one set up with the database URL alone, while the servers
 * published on Redis, never heard a revocation and counted limits apart (an attacker's find).
 */
export function clusterSetting(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('cluster_setting')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('cluster_setting').execute()
    },
  }
}
