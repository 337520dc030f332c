import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Where a key may be used (DESIGN.md, "Context restrictions"): `restrictions` is JSON text
 * `{ip_allow?, origin_allow?}`, null for the keys of today's databases (no restriction).
 * Imports (`POST /v1/keys/import`): `external_id`, the key's id in the system it came from,
 * unique per owner, so re-running an import finds what it already brought (null for others).
 */
export function keyRestrictions(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_key').addColumn('restrictions', 'text').execute()
      await db.schema.alterTable('api_key').addColumn('external_id', 'text').execute()
      await db.schema
        .createIndex('api_key_external_id_idx')
        .unique()
        .on('api_key')
        .columns(['actor_id', 'external_id'])
        .execute()
    },
  }
}
