import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Sessions and refresh tokens record the API key they were opened with (DESIGN.md,
 * "Sessions record their origin"): its id (for audit) and the SHA-256 of the very
 * secret presented, so a use checks "does that secret still verify?" through the
 * verify cache, whose invalidations already follow every key write (revoke, disable,
 * delete, roll). Both null: opened with a password, or anonymous.
 */
export function credentialOrigin(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      for (const table of ['session', 'refresh_token']) {
        await db.schema.alterTable(table).addColumn('origin_key_id', 'integer').execute()
        await db.schema.alterTable(table).addColumn('origin_key_hash', 'text').execute()
      }
    },
  }
}
