import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type Logger,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely'
import pg from 'pg'
import Cursor from 'pg-cursor'
import { ReadPool } from './read-pool.js'
import { ReadPoolDialect } from './read-pool-dialect.js'
import type { Database } from './schema.js'
import { registerCaseFunctions } from './sql-case.js'
import { withStatementCache } from './statement-cache.js'
import { withStatementBudget } from './statement-budget.js'

export type Dialect = 'sqlite' | 'postgres'

export interface Store {
  /** Writes, transactions and the verify path's indexed point lookups. */
  readonly db: Kysely<Database>
  /**
   * Request-driven reads that can be slow (listings, search, OData, audit, usage history),
   * each under the read budget: SQLite reader processes, or PostgreSQL's own pool. Equal to
   * `db` when the store was opened without budgets (the in-process verifier, the CLI).
   */
  readonly readDb: Kysely<Database>
  readonly dialect: Dialect
  /** The SQLite file, which other connections (the usage writer thread) may open; absent for PostgreSQL and `:memory:`. */
  readonly file?: string
  close(): Promise<void>
}

/**
 * The PRAGMAs of every connection that writes a SQLite file (the main one, the usage writer
 * thread): WAL lets readers run beside a writer; the busy timeout rides out another connection
 * (the usage writer's chunk, a CLI migrate) holding the write lock for a moment.
 */
export const SQLITE_PRAGMAS = [
  'journal_mode = WAL',
  'synchronous = NORMAL',
  'busy_timeout = 5000',
  'foreign_keys = ON',
] as const

/** Time limits and sizes of a server's store (see `Config`). */
export interface StoreBudgets {
  /** One heavy read: SQLite reader killed / PostgreSQL `statement_timeout` on the read pool. */
  readBudgetMs: number
  /** SQLite reader processes, or PostgreSQL read-pool connections. */
  readPoolSize: number
  /** PostgreSQL `statement_timeout` of every other statement (verify lookups, writes). */
  statementTimeoutMs: number
}

/**
 * Opens the database named by a `sqlite:<path>` or `postgres://…` URL; `budgets` adds the read pool.
 * `log` hears every query after it ran (Kysely's logger: tracing makes a span of each).
 */
export function openStore(url: string, budgets?: StoreBudgets, log?: Logger): Store {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), budgets, log)
  return openPostgres(url, budgets, log)
}

function openSqlite(path: string, budgets?: StoreBudgets, log?: Logger): Store {
  if (path !== ':memory:') createPrivately(path)
  const sqlite = new BetterSqlite3(path)
  for (const p of SQLITE_PRAGMAS) sqlite.pragma(p)
  // Without a read pool (the CLI, `:memory:`), searches run here too; the readers register their own.
  registerCaseFunctions(sqlite)
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
    log,
  })
  // An in-memory database exists on its one connection only: no worker can open it.
  if (path === ':memory:') return { db, readDb: db, dialect: 'sqlite', close: () => db.destroy() }
  if (!budgets) return { db, readDb: db, dialect: 'sqlite', file: path, close: () => db.destroy() }
  const pool = new ReadPool(path, { size: budgets.readPoolSize, budgetMs: budgets.readBudgetMs })
  const readDb = new Kysely<Database>({ dialect: new ReadPoolDialect(pool), log })
  return {
    db,
    readDb,
    dialect: 'sqlite',
    file: path,
    close: async () => {
      await pool.close()
      await db.destroy()
    },
  }
}

/**
 * Creates a new database file readable by its owner only, in a directory likewise: it holds password hashes and
 * the secrets that sign Realm tokens and open webhook secrets, and under the usual umask (022) SQLite made it 0644.
 * SQLite gives its WAL and shared-memory files the database file's mode. An existing file keeps the mode its
 * operator chose (a backup job may read it as a group).
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
}

/**
 * Kysely's SQLite dialect with transactions that take the write lock when they begin (`BEGIN
 * IMMEDIATE`). A deferred `BEGIN` reads a snapshot first; if another connection commits before the
 * transaction's first write (the usage writer thread, `usage-writer.ts`, commits a chunk every
 * millisecond or so during a flush), SQLite cannot upgrade the stale snapshot and fails the write
 * at once with SQLITE_BUSY_SNAPSHOT, no busy timeout. Immediate, the transaction waits its turn
 * (`busy_timeout`) instead: one chunk, about 0.25 ms. Single statements take the write lock as
 * they start, so only explicit transactions need this.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings)
  }

  override createDriver(): Driver {
    return new (class extends SqliteDriver {
      override async beginTransaction(connection: DatabaseConnection): Promise<void> {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'))
      }
    })(this.settings)
  }
}

/**
 * PostgreSQL runs queries off the event loop already; what a slow query takes there is a
 * pooled connection. Heavy reads get their own small pool, so however many are slow the
 * verify path's pool stays free, and every connection carries a `statement_timeout`.
 */
function openPostgres(url: string, budgets?: StoreBudgets, log?: Logger): Store {
  const main = postgresDb(url, 10, budgets?.statementTimeoutMs, false, log)
  if (!budgets) return { db: main, readDb: main, dialect: 'postgres', close: () => main.destroy() }
  const readDb = postgresDb(url, budgets.readPoolSize, budgets.readBudgetMs, true, log)
  return {
    db: main,
    readDb,
    dialect: 'postgres',
    close: async () => {
      await readDb.destroy()
      await main.destroy()
    },
  }
}

/** The part of a statement's budget it may spend waiting on locks before it is told to retry. */
const LOCK_WAIT_SHARE = 0.8

function postgresDb(
  url: string,
  max: number,
  timeoutMs: number | undefined,
  readOnly: boolean,
  log: Logger | undefined,
): Kysely<Database> {
  // A request waits for a connection no longer than a statement may run, then fails (503) instead of queueing on.
  // A wait on a row lock gives up first (`lock_timeout`, 55P03 → 503, retry): a busy row is no
  // expensive query, and `statement_timeout` alone would answer 400 "narrow the filter" to a rename.
  const pool = new pg.Pool({
    connectionString: url,
    max,
    ...(timeoutMs && {
      statement_timeout: timeoutMs,
      lock_timeout: Math.floor(timeoutMs * LOCK_WAIT_SHARE),
      connectionTimeoutMillis: timeoutMs,
    }),
    // Like the SQLite readers: a write routed to the read pool fails instead of running outside the main pool.
    ...(readOnly && { options: '-c default_transaction_read_only=on' }),
  })
  // A connection the server drops (restart, failover, terminated backend) emits 'error'
  // on its client, and again on the pool while idle; unheard, either would crash the
  // process. The pool discards the client; a query on it rejects, and the next one
  // reconnects or fails (→ 503 where it matters, e.g. a logout).
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  // A cursor lets a large result be read a batch at a time (`store/batched-rows.ts`).
  const dialect = new PostgresDialect({ pool, cursor: Cursor })
  return new Kysely<Database>({ dialect: timeoutMs ? withStatementBudget(dialect, timeoutMs) : dialect, log })
}

/**
 * True when a database error says the store cannot answer now, not that the request is wrong: on
 * PostgreSQL a lost or refused connection (SQLSTATE classes 08 and 53, an administrator's
 * shutdown 57P01–57P03, a socket error, or pg's "Connection terminated"), or a transaction that
 * lost a race it can win on retry (a lock waited on past `lock_timeout` 55P03, a deadlock 40P01,
 * a serialization failure 40001); on SQLite a lock held past the busy
 * timeout, an I/O error, a full disk, a file it cannot open, or a closed database; on either, a store closed under the request
 * (Kysely's "driver has already been destroyed": a node shutting down, whose peers can answer). The
 * request can be retried as it is: 503.
 */
export function isStoreOutage(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : ''
  // 08P01 (protocol_violation) is in class 08 but is our bug: a wrong bind count, over 65,535 parameters.
  if ((/^(08|53)/.test(code) && code !== '08P01') || /^57P0[123]$/.test(code) || SOCKET_ERRORS.has(code)) return true
  if (RETRYABLE_CONFLICTS.has(code)) return true
  // Not SQLITE_READONLY: the read pool raises it for a write sent to a reader, which is our bug too.
  if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN)/.test(code)) return true
  const message = typeof e?.message === 'string' ? e.message : ''
  return DRIVER_OUTAGES.test(message)
}

/**
 * The drivers' own words for a lost or closed connection (pg, better-sqlite3, Kysely), from the start
 * of the message: a database error that quotes a request's input ("…: \"not queryable\"") is no outage.
 */
const DRIVER_OUTAGES =
  /^(Connection terminated|Client has encountered a connection error|The database connection is not open|driver has already been destroyed)/

const RETRYABLE_CONFLICTS = new Set(['55P03', '40P01', '40001'])

/**
 * The outages (`isStoreOutage`) that are a race lost to another change — a row lock waited on past
 * `lock_timeout`, a deadlock, a serialization failure, SQLite's lock held past its busy timeout —
 * not a database that is down: a 503 that said "the database is unavailable" sent operators looking
 * for an outage that was not there.
 */
export function isLostRace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (RETRYABLE_CONFLICTS.has(code) || /^SQLITE_(BUSY|LOCKED)/.test(code))
}

const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'])

/**
 * True when an insert or update named a row that is gone: another request deleted it between the
 * write's check and the write (a key created in an identity being deleted; PostgreSQL). Not a
 * delete that something still references (that is a missing clean-up, our bug), and not SQLite,
 * whose message does not tell the two apart: there a key's write reads the identity it joins in its
 * own transaction first (`holdIdentities`, key-repository.ts), since the request's check came before.
 */
export function isDanglingReference(err: unknown): boolean {
  const e = err as { code?: string; message?: unknown } | null
  return e?.code === '23503' && typeof e.message === 'string' && e.message.startsWith('insert or update on table')
}

/** True when a database error is a unique-constraint violation (both dialects). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE'
}

/**
 * The table whose unique constraint a database error violated, when it is one: PostgreSQL names it
 * (`table`), SQLite in its message (`UNIQUE constraint failed: application.slug`).
 */
export function uniqueViolationTable(err: unknown): string | undefined {
  if (!isUniqueViolation(err)) return undefined
  const e = err as { table?: unknown; message?: unknown }
  if (typeof e.table === 'string') return e.table
  return typeof e.message === 'string' ? /UNIQUE constraint failed: "?(\w+)"?\./.exec(e.message)?.[1] : undefined
}
