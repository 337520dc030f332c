import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * When an organization's deletion began (`organization.deleting_at`; null for every live one).
 * Its keys are deleted chunk by chunk, each chunk's `key.deleted` events committed with it, and a
 * node's webhook dispatcher may fan those out between two chunks, while the memberships still
 * exist: without a mark, members heard of an arbitrary part of the deleted keys (whatever was fanned
 * out before the last transaction). With it, members stop hearing of the organization's keys the
 * moment deletion begins (`userActors`, store/visibility.ts); admins hear of every key. The
 * memberships stay until the end, so an owner can retry an interrupted deletion.
 */
export function organizationDeleting(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('organization').addColumn('deleting_at', 'text').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('organization').dropColumn('deleting_at').execute()
    },
  }
}
