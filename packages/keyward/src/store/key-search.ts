import { type RawBuilder, type SqlBool, sql } from 'kysely'
import type { Dialect } from './database.js'

/**
 * "Key name contains …" through the name index of migration 0006 (SQLite FTS5
 * trigram table, PostgreSQL pg_trgm GIN index on `lower(name)`). Trigram indexes
 * answer needles of at least this many characters; shorter ones are a scan of the
 * caller's keys (one or two characters match so many names that an index would
 * not narrow much; measured in the README).
 */
export const NAME_INDEX_MIN_CHARS = 3

/**
 * `q=` on key listings: the name contains `q`, ignoring ASCII case. The exact
 * predicate is always applied; on SQLite the FTS match (which folds case more
 * widely, so it finds a superset) only narrows the rows it runs on. PostgreSQL's
 * planner uses the GIN index for the `like` by itself.
 */
export function nameContainsIgnoringCase(dialect: Dialect, alias: string, q: string): RawBuilder<SqlBool> {
  const exact = sql<SqlBool>`lower(${sql.ref(`${alias}.name`)}) like ${'%' + escapeLike(q.toLowerCase()) + '%'} escape '\\'`
  return sql<SqlBool>`(${nameCandidates(dialect, alias, q) ?? sql`1 = 1`} and ${exact})`
}

/**
 * A condition true for every key whose name contains `needle` (case-sensitively or
 * not) that an index answers, or null when the needle is too short for the index.
 * It is a superset: callers keep their exact test next to it.
 */
export function nameCandidates(dialect: Dialect, alias: string, needle: string): RawBuilder<SqlBool> | null {
  if ([...needle].length < NAME_INDEX_MIN_CHARS) return null
  if (dialect === 'postgres') {
    return sql<SqlBool>`lower(${sql.ref(`${alias}.name`)}) like ${'%' + escapeLike(needle.toLowerCase()) + '%'} escape '\\'`
  }
  // An FTS5 phrase of the whole needle: its trigrams, consecutive. `"` is doubled inside a phrase.
  const phrase = `"${needle.replace(/"/g, '""')}"`
  return sql<SqlBool>`${sql.ref(`${alias}.id`)} in (select rowid from api_key_name_fts where api_key_name_fts match ${phrase})`
}

/** Escapes LIKE's wildcards (with `\` as the escape character). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c)
}
