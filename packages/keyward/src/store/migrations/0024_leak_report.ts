import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * `leak_report`: the GitHub secret-scanning matches already acted on (`store/leak-reports.ts`). GitHub's
 * signed report carries no time or nonce, so a captured one could be sent again: it disabled a key its owner
 * had re-enabled (an attacker's find). One row per leak of one of our keys, so no pruning: only GitHub signs them.
 */
export function leakReport(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('leak_report')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('reported_at', 'text', (c) => c.notNull())
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('leak_report').execute()
    },
  }
}
