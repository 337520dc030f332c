import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

/** Distinct statements kept prepared per connection; past it the cache starts over. */
const MAX_STATEMENTS = 256

/**
 * A PRAGMA assignment (`pragma user_version = 41`): it takes no bound parameter, so its value is in
 * its text and the text is new each time (`bumpKeyChanges` writes one per key write). Kept, each
 * took a slot and 256 key writes emptied the cache of the verify path's statements.
 */
const VALUE_IN_TEXT = /^\s*pragma\b[^;]*=/i

/**
 * A better-sqlite3 connection for Kysely that keeps its prepared statements. Kysely prepares
 * every query afresh, and on the hot paths preparing costs about as much as running: a
 * verify-path point lookup, or a usage-flush chunk (measured: 4–9 µs per row of a chunk to
 * prepare, as much again to run). Statements are keyed by their SQL text, which Kysely
 * compiles identically for the same query shape (values are bound parameters, never text).
 * Invariants, enforced here: a statement still iterating (a streamed read) is never handed
 * out again; the caller gets a fresh one (better-sqlite3 refuses a busy statement). A statement
 * whose text carries a value (`VALUE_IN_TEXT`) is prepared for its one use and never kept.
 */
export function withStatementCache(db: BetterSqlite3.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>()
  return {
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql)
      if (hit && !hit.busy) return hit
      const stmt = db.prepare(sql)
      if (!hit && !VALUE_IN_TEXT.test(sql)) {
        if (cache.size >= max) cache.clear()
        cache.set(sql, stmt)
      }
      return stmt
    },
    close: () => db.close(),
  }
}
