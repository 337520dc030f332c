import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * `identity.credits_epoch`: goes up each time the identity's `remaining` is set anew (a refill, a
 * PATCH of `remaining` or `refill`). A verification that took an identity credit and then gave it
 * back (the key's own budget refused) gives it back only within the epoch it took it in: a give-back
 * after an admin reset or cut-off put the identity above its refill amount, or brought back credits
 * set to 0 (a reviewer's find). A constant default: no table rewrite on PostgreSQL 11+ or SQLite.
 */
export function identityCreditsEpoch(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('identity')
        .addColumn('credits_epoch', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('identity').dropColumn('credits_epoch').execute()
    },
  }
}
