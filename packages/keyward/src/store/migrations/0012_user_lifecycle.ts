import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * The user lifecycle (issue 14 item 5): a user may be deactivated (`deactivated_at`: sessions end,
 * every key they are responsible for verifies as DISABLED until reactivated) or deleted
 * (`deleted_at`: a tombstone kept so audit entries and revoked keys still name an actor; its
 * email and username are released). Sessions record when they were last used and the
 * client's user agent, for `GET /v1/auth/sessions`. All nullable: existing rows stay as they were.
 */
export function userLifecycle(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('user').addColumn('deactivated_at', 'text').execute()
      await db.schema.alterTable('user').addColumn('deleted_at', 'text').execute()
      await db.schema.alterTable('session').addColumn('last_used_at', 'text').execute()
      await db.schema.alterTable('session').addColumn('user_agent', 'text').execute()
      await db.schema.createIndex('session_user_id_idx').ifNotExists().on('session').column('user_id').execute()
      await db.schema
        .createIndex('refresh_token_actor_id_idx')
        .ifNotExists()
        .on('refresh_token')
        .column('actor_id')
        .execute()
    },
  }
}
