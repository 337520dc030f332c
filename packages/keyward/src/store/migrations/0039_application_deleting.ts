import type { Kysely, Migration } from 'kysely'

/**
 * When an application's deletion began (`application.deleting_at`; null for every live one), as migration 0017
 * for organizations: its devices and keys go chunk by chunk (`fleet-removal.ts`), each chunk's `key.deleted` events
 * committed with it, and a device's row with its last key. Members would hear of whatever part a dispatcher fanned
 * out while the rows that make those keys theirs still stood. With the mark, members stop hearing of the
 * application's keys, and listing them, the moment its deletion begins (`organizationActors`, store/visibility.ts);
 * admins hear of every key. The row stays until the end, so an interrupted deletion can be retried.
 */
export function applicationDeleting(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('application').addColumn('deleting_at', 'text').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('application').dropColumn('deleting_at').execute()
    },
  }
}
