import type { Kysely, Migration } from 'kysely'

/**
 * `api_key_origin`: the keys further up a key's line than its own maker columns reach, so that `revoke
 * {minted: true}` of any of them ends it (`store/key-origins.ts`). A row (key, `part`, origin): the key
 * itself (`key`: made with a secret the origin made, through any number of rolls), its current secret
 * (`secret`), or its rolled-away one (`previous`) was made through that origin. A key a stolen secret made,
 * after the owner rolled that secret's key again, was out of every line (an attacker's find, the "not
 * followed" of docs/security.md). Rows go with their key; an origin deleted keeps its rows, as
 * `created_by_key_id` outlives the key it names. Keys made before it have no rows.
 *
 * `user_password_origin`: the same for a password a key chose (`user.password_set_by_key_id`, migration 0032):
 * the keys that key's secret was made through. Rows go with the user, and with the password when it changes.
 */
export function keyOrigins(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('api_key_origin')
        .addColumn('key_id', 'integer', (c) => c.notNull().references('api_key.id').onDelete('cascade'))
        .addColumn('part', 'text', (c) => c.notNull())
        .addColumn('origin_key_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('api_key_origin_pk', ['key_id', 'part', 'origin_key_id'])
        .execute()
      // New tables are empty: no online build needed.
      await db.schema.createIndex('api_key_origin_by_origin').on('api_key_origin').columns(['origin_key_id']).execute()
      await db.schema
        .createTable('user_password_origin')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id').onDelete('cascade'))
        .addColumn('origin_key_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_password_origin_pk', ['user_id', 'origin_key_id'])
        .execute()
      await db.schema
        .createIndex('user_password_origin_by_origin')
        .on('user_password_origin')
        .columns(['origin_key_id'])
        .execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('user_password_origin').execute()
      await db.schema.dropTable('api_key_origin').execute()
    },
  }
}
