import type { Kysely, Migration } from 'kysely'

/**
 * `password_line` on `session` and `refresh_token`: for a login opened with a password a key chose, the keys that
 * password was made through (JSON, a list of key ids; null: none). What such a login makes (keys, rolled secrets,
 * passwords) is made through them and ends with their `revoke {minted: true}` (`store/key-origins.ts`, invariant
 * 7): the holder of a leaked key set a password, signed in with it, and what that session made outlived the
 * revoke (an attacker's find, the last "not followed" of docs/security.md). Nullable, no default: no table
 * rewrite; logins opened before it have none.
 */
export function loginLine(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('session').addColumn('password_line', 'text').execute()
      await db.schema.alterTable('refresh_token').addColumn('password_line', 'text').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('refresh_token').dropColumn('password_line').execute()
      await db.schema.alterTable('session').dropColumn('password_line').execute()
    },
  }
}
