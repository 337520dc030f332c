import { randomBytes } from 'node:crypto'
import { type Kysely, type Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Refresh tokens (Realm and Fluxbase sessions) and server secrets.
 * The Realm access-token signing secret is generated here, once, so every node
 * sharing this database signs and verifies with the same secret.
 */
export function tokens(dialect: Dialect): Migration {
  const idType = dialect === 'postgres' ? 'serial' : 'integer'
  const pk = (c: any) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement())
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('refresh_token')
        .addColumn('id', idType, pk)
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('face', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'integer')
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text')
        .addColumn('device_id', 'text')
        .addColumn('session_id', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .execute()
      await db.schema.createIndex('refresh_token_session_idx').on('refresh_token').column('session_id').execute()
      await db.schema
        .createTable('server_secret')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db
        .insertInto('server_secret')
        .values({
          name: 'realm_jwt',
          value: randomBytes(32).toString('base64url'),
          created_at: new Date().toISOString(),
        })
        .execute()
    },
  }
}
