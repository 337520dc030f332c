import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely'
import type { Dialect } from './database.js'

/**
 * Migrations live in code (not files on disk) so the server runs from any
 * working directory and from a bundle. Each is written once for both dialects.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  // Integer ids: balena clients need numbers. SERIAL (int4) comes back from node-pg as a JS number.
  const idType = dialect === 'postgres' ? 'serial' : 'integer'
  const pk = (c: any) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement())
  return {
    '0001_initial': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('actor')
          .addColumn('id', idType, pk)
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createTable('user')
          .addColumn('id', idType, pk)
          .addColumn('actor_id', 'integer', (c) => c.notNull().unique().references('actor.id'))
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createTable('application')
          .addColumn('id', idType, pk)
          .addColumn('actor_id', 'integer', (c) => c.notNull().unique().references('actor.id'))
          .addColumn('uuid', 'text', (c) => c.notNull().unique())
          .addColumn('slug', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('owner_user_id', 'integer', (c) => c.notNull().references('user.id'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('application_owner_idx').on('application').column('owner_user_id').execute()
        await db.schema.createTable('device')
          .addColumn('id', idType, pk)
          .addColumn('actor_id', 'integer', (c) => c.notNull().unique().references('actor.id'))
          .addColumn('uuid', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text')
          .addColumn('application_id', 'integer', (c) => c.notNull().references('application.id'))
          .addColumn('registered_with_key_id', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('device_application_idx').on('device').column('application_id').execute()
        await db.schema.createTable('api_key')
          .addColumn('id', idType, pk)
          .addColumn('actor_id', 'integer', (c) => c.notNull().references('actor.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('description', 'text')
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('key_prefix', 'text', (c) => c.notNull())
          .addColumn('previous_hash', 'text')
          .addColumn('previous_hash_expires_at', 'text')
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('meta', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('disabled_at', 'text')
          .addColumn('revoked_at', 'text')
          .addColumn('revoked_reason', 'text')
          .addColumn('rate_limit', 'integer')
          .addColumn('rate_limit_window_s', 'integer')
          .addColumn('remaining', 'integer')
          .addColumn('refill_amount', 'integer')
          .addColumn('refill_interval_s', 'integer')
          .addColumn('last_refill_at', 'text')
          .addColumn('last_used_at', 'text')
          .addColumn('created_by_actor_id', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('api_key_actor_idx').on('api_key').columns(['actor_id', 'id']).execute()
        await db.schema.createIndex('api_key_previous_hash_idx').on('api_key').column('previous_hash').execute()
        // Names of live user keys are unique per owner; revoked keys stay for audit without blocking reuse.
        await sql`create unique index api_key_user_name_idx on api_key (actor_id, name)
          where kind = 'user' and revoked_at is null and name is not null`.execute(db)
        await db.schema.createTable('session')
          .addColumn('id', idType, pk)
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('ip', 'text')
          .execute()
        await db.schema.createTable('audit_event')
          .addColumn('id', idType, pk)
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'integer')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target_type', 'text', (c) => c.notNull())
          .addColumn('target_id', 'text')
          .addColumn('owner_actor_id', 'integer')
          .addColumn('ip', 'text')
          .addColumn('details', 'text', (c) => c.notNull())
          .execute()
        await db.schema.createIndex('audit_actor_idx').on('audit_event').columns(['actor_id', 'id']).execute()
        await db.schema.createIndex('audit_owner_idx').on('audit_event').columns(['owner_actor_id', 'id']).execute()
      },
    },
  }
}

class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect)
  }
}

/** Brings the schema up to date. Safe to run on every start and from several nodes (Kysely locks). */
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeProvider(dialect) })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
