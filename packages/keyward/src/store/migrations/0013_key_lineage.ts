import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Keys record the key that produced them (DESIGN.md, "Keys record the key that made
 * them"): `created_by_key_id` is set when the creator authenticated with an API key, or
 * with a session opened with one; null for keys made by a password session, and for
 * every key created before this migration (their lineage was never recorded). No
 * foreign key: a deleted creator leaves the id for audit. Indexed for "what did this
 * key make?" (listing filter, revoking a key with what it minted).
 */
export function keyLineage(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_key').addColumn('created_by_key_id', 'integer').execute()
      await db.schema.createIndex('api_key_created_by_key_idx').on('api_key').columns(['created_by_key_id']).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('api_key_created_by_key_idx').execute()
      await db.schema.alterTable('api_key').dropColumn('created_by_key_id').execute()
    },
  }
}
