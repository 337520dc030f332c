import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Where a key may be used (DESIGN.md, "Context restrictions"): `restrictions` is JSON text
 * `{ip_allow?, origin_allow?}`, null for the keys of today's databases (no restriction).
 */
export function keyRestrictions(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_key').addColumn('restrictions', 'text').execute()
    },
  }
}
