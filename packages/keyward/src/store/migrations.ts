import { setTimeout as sleep } from 'node:timers/promises'
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely'
import type { Dialect } from './database.js'
import { allMigrations } from './migrations/index.js'
import { buildOnlineIndexes } from './online-indexes.js'

/** Migrations live in code (not files on disk) so the server runs from any working directory and from a bundle. */
class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return allMigrations(this.dialect)
  }
}

/** How long one DDL statement waits for its table's lock before its attempt gives up (PostgreSQL). */
const DDL_LOCK_WAIT_MS = 2_000
/** How long migrations keep trying against table locks other sessions hold, in all. */
const DDL_RETRY_FOR_MS = 10 * 60_000
/** The session advisory lock nodes queue on to migrate one at a time (arbitrary, Keyward's own). */
const MIGRATION_QUEUE_LOCK = 0x6b657977 // "keyw"

export interface MigrateOptions {
  /** Tests shorten it; see DDL_LOCK_WAIT_MS. */
  lockWaitMs?: number
}

/**
 * Brings the schema up to date. Safe to run on every start and from several nodes.
 * On PostgreSQL it runs on one connection with no `statement_timeout`: building an index over a
 * large table may take longer than any request's budget, and must not be cancelled halfway. Nodes
 * queue on an advisory lock (`queueForMigrating`), so a node starting beside one that migrates
 * waits as long as that runs. Indexes on large tables are built after the migrations, concurrently
 * (`buildOnlineIndexes`), so writes go on meanwhile. The DDL itself waits at most `lockWaitMs` for a table's lock: a
 * statement waiting for one queues every later query on that table behind it, so a long
 * transaction on `identity` during an upgrade stopped every node's verifications for as long as it
 * ran. On timeout (55P03) the attempt rolls back whole (Kysely runs pending migrations in one
 * transaction), the queue drains, and it tries again (test/store/migration-lock-wait).
 */
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect, opts: MigrateOptions = {}): Promise<string[]> {
  if (dialect === 'sqlite') return migrate(db, dialect)
  return db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn)
    await queueForMigrating(conn)
    try {
      const lockWaitMs = opts.lockWaitMs ?? DDL_LOCK_WAIT_MS
      await setLockTimeout(conn, lockWaitMs)
      const applied = await retryingLockWaits(() => migrate(conn, dialect))
      // A plain build (a small table) holds writes while it waits for its lock: the migrations' short wait. A
      // concurrent one blocks no query, so it may wait for old transactions as long as migrations retry.
      const waits = {
        plain: () => setLockTimeout(conn, lockWaitMs),
        concurrent: () => setLockTimeout(conn, DDL_RETRY_FOR_MS),
      }
      const built = await retryingLockWaits(() => buildOnlineIndexes(conn, waits))
      return [...applied, ...built.map((name) => `index ${name}`)]
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_QUEUE_LOCK})`.execute(conn)
      // Back to the connection's own budget before the pool hands it to a request.
      await sql`reset statement_timeout`.execute(conn)
      await sql`reset lock_timeout`.execute(conn)
    }
  })
}

/**
 * Takes the migration lock, polling for it: a node waiting inside `pg_advisory_lock` holds a snapshot
 * for as long as it waits, and the migrating node's concurrent index build waits for every older
 * snapshot: each would wait for the other (deadlock_timeout later PostgreSQL breaks the cycle by
 * failing one of them; test/store/online-indexes). Between polls the waiting node holds nothing.
 */
async function queueForMigrating(conn: Kysely<any>): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ got: boolean }>`select pg_try_advisory_lock(${MIGRATION_QUEUE_LOCK}) as got`.execute(
      conn,
    )
    if (rows[0]!.got) return
    await sleep(100 + Math.random() * 150)
  }
}

const setLockTimeout = (conn: Kysely<any>, ms: number) =>
  sql`select set_config('lock_timeout', ${`${ms}ms`}, false)`.execute(conn)

/**
 * Runs `attempt` again after a table lock wait gave up (55P03), backing off, for DDL_RETRY_FOR_MS. Also after a
 * deadlock (40P01): a concurrent index build waits for every older snapshot, and a node of a version before
 * `queueForMigrating` waits for the migration lock inside a statement (a snapshot): PostgreSQL fails one of the two.
 * The build left an invalid index, which the next attempt builds again.
 */
async function retryingLockWaits<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + DDL_RETRY_FOR_MS
  for (let n = 0; ; n++) {
    try {
      return await attempt()
    } catch (e) {
      const code = (e as { code?: unknown }).code
      if (code !== '55P03' && code !== '40P01') throw e
      if (Date.now() > deadline) throw tableLockHeld(e)
      // Long enough for the queries that queued behind the DDL to run; jittered so nodes do not align.
      await sleep(Math.min(100 * 2 ** n, 5_000) * (0.5 + Math.random()))
    }
  }
}

/**
 * The migrations this version has that the database has not run. A tool writing to the database without
 * migrating it (`keyward reset-password`) refuses while any are pending: it would write to columns that are not
 * there, or migrate under servers of the previous version, which cannot start on a migrated schema.
 */
export async function pendingMigrations(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeProvider(dialect) })
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name)
}

async function migrate(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeProvider(dialect) })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error('migration failed', { cause: error })
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

const tableLockHeld = (cause: unknown) =>
  new Error(
    `migrations waited ${DDL_RETRY_FOR_MS / 60_000} minutes for a table lock that other sessions kept holding; ` +
      'end the long transactions (pg_stat_activity, oldest xact_start first) and start again',
    { cause },
  )
