import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Verifications per key per UTC day and outcome (`VALID` or a refusal code), written
 * in batches by the usage recorder. Rows go with their key (ON DELETE CASCADE; SQLite
 * runs with foreign_keys on). Indexes for the sortable key columns keep sorted
 * listing pages cheap on large tables.
 */
export function keyUsage(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('key_usage')
        .addColumn('key_id', 'integer', (c) => c.notNull().references('api_key.id').onDelete('cascade'))
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('key_usage_pk', ['key_id', 'day', 'code'])
        .execute()
      await db.schema.createIndex('api_key_created_at_idx').on('api_key').columns(['created_at', 'id']).execute()
      await db.schema.createIndex('api_key_name_idx').on('api_key').columns(['name', 'id']).execute()
      await db.schema.createIndex('api_key_last_used_at_idx').on('api_key').columns(['last_used_at', 'id']).execute()
      await db.schema.createIndex('api_key_expires_at_idx').on('api_key').columns(['expires_at', 'id']).execute()
    },
    async down(db: Kysely<any>) {
      for (const i of [
        'api_key_created_at_idx',
        'api_key_name_idx',
        'api_key_last_used_at_idx',
        'api_key_expires_at_idx',
      ]) {
        await db.schema.dropIndex(i).execute()
      }
      await db.schema.dropTable('key_usage').execute()
    },
  }
}
