import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely'
import type { Dialect } from './database.js'
import { allMigrations } from './migrations/index.js'

/** Migrations live in code (not files on disk) so the server runs from any working directory and from a bundle. */
class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return allMigrations(this.dialect)
  }
}

/**
 * Brings the schema up to date. Safe to run on every start and from several nodes (Kysely locks).
 * On PostgreSQL it runs on one connection with no `statement_timeout` and no `lock_timeout`: building
 * an index over a large table may take longer than any request's budget, and must not be cancelled
 * halfway; a node starting beside one that migrates waits for its migration lock as long as it runs.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  if (dialect === 'sqlite') return migrate(db, dialect)
  return db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn)
    await sql`set lock_timeout = 0`.execute(conn)
    try {
      return await migrate(conn, dialect)
    } finally {
      // Back to the connection's own budget before the pool hands it to a request.
      await sql`reset statement_timeout`.execute(conn)
      await sql`reset lock_timeout`.execute(conn)
    }
  })
}

async function migrate(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeProvider(dialect) })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error('migration failed', { cause: error })
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
