import { type Kysely, type Migration, sql } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Named limits and identities (issue 15, parts 2 and 3).
 * - `api_key.ratelimits` (JSON list of `{name, limit, window_s, auto_apply}`) replaces the
 *   single `rate_limit` / `rate_limit_window_s` pair: an existing limit becomes the one named
 *   `default` (auto-applied, as it always was), then the old columns go, so there is one
 *   source of truth. The wire keeps answering `rate_limit` from the `default` limit.
 * - `identity`: shared limits and credits of one customer, `external_id` unique per owner.
 * - `api_key.identity_id`: the identity a key obeys (unlinked when the identity is deleted).
 */
export function namedLimits(dialect: Dialect): Migration {
  const idType = dialect === 'postgres' ? 'serial' : 'integer'
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('identity')
        .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('owner_actor_id', 'integer', (c) => c.notNull().references('actor.id'))
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('ratelimits', 'text', (c) => c.notNull())
        .addColumn('remaining', 'integer')
        .addColumn('refill_amount', 'integer')
        .addColumn('refill_interval_s', 'integer')
        .addColumn('last_refill_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('identity_external_id_idx')
        .unique()
        .on('identity')
        .columns(['owner_actor_id', 'external_id'])
        .execute()
      await db.schema
        .alterTable('api_key')
        .addColumn('ratelimits', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute()
      await db.schema
        .alterTable('api_key')
        .addColumn('identity_id', 'integer', (c) => c.references('identity.id').onDelete('set null'))
        .execute()
      await db.schema.createIndex('api_key_identity_idx').on('api_key').columns(['identity_id', 'id']).execute()
      await sql`update api_key set ratelimits = ${defaultLimitJson(dialect)}
        where rate_limit is not null and rate_limit_window_s is not null`.execute(db)
      await db.schema.alterTable('api_key').dropColumn('rate_limit').execute()
      await db.schema.alterTable('api_key').dropColumn('rate_limit_window_s').execute()
    },
  }
}

/** The old pair as a one-element list, built in SQL so a table of any size migrates in one statement. */
function defaultLimitJson(dialect: Dialect) {
  return dialect === 'postgres'
    ? sql`jsonb_build_array(jsonb_build_object('name', 'default', 'limit', rate_limit,
        'window_s', rate_limit_window_s, 'auto_apply', true))::text`
    : sql`json_array(json_object('name', 'default', 'limit', rate_limit,
        'window_s', rate_limit_window_s, 'auto_apply', json('true')))`
}
