import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * `api_key.created_in_grace_until`: when the key that made this one authenticated with a
 * rolled-away secret (in its grace period, directly or through a session opened with it), that
 * grace period's end; null otherwise. Ending the grace period early (`POST /v1/keys/:id/end-grace`)
 * revokes these keys with it: without the column they kept working until the grace end promised at
 * the roll (a reviewer's find). Nullable, no default: no table rewrite. Keys made before it stay null.
 */
export function keyMadeInGrace(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_key').addColumn('created_in_grace_until', 'text').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('api_key').dropColumn('created_in_grace_until').execute()
    },
  }
}
