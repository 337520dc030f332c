import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.js'

export type Dialect = 'sqlite' | 'postgres'

export interface Store {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  close(): Promise<void>
}

/** Opens the database named by a `sqlite:<path>` or `postgres://…` URL. */
export function openStore(url: string): Store {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length))
  return openPostgres(url)
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new BetterSqlite3(path)
  // WAL lets readers run during the batched usage writes; a busy timeout rides out
  // a second process (CLI migrate) holding the write lock for a moment.
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  return { db, dialect: 'sqlite', close: () => db.destroy() }
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  // A connection the server drops (restart, failover, terminated backend) emits 'error'
  // on its client, and again on the pool while idle; unheard, either would crash the
  // process. The pool discards the client; a query on it rejects, and the next one
  // reconnects or fails (→ 503 where it matters, e.g. a logout).
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, dialect: 'postgres', close: () => db.destroy() }
}

/** True when a database error is a unique-constraint violation (both dialects). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE'
}
