import { type RawBuilder, type SqlBool, sql } from 'kysely'
import type { Dialect } from './database.js'

/**
 * "Key name contains …" through the name index of migration 0006: SQLite's FTS5
 * trigram table, PostgreSQL's pg_trgm GIN index on `name` (which serves both `like`
 * and `ilike`). Trigram indexes answer needles of at least this many characters;
 * shorter ones are a scan of the caller's keys (one or two characters match so many
 * names that an index would not narrow much).
 */
export const NAME_INDEX_MIN_CHARS = 3

/**
 * The condition "the `name` of the api_key row `alias` contains `needle`",
 * case-sensitively, or ignoring case (`q=` listings). On PostgreSQL it is one
 * `like`/`ilike` the GIN index serves. On SQLite the exact test (`instr`, or
 * `lower(name) like`: ASCII case only, as SQLite folds) runs only on the rows an
 * FTS phrase match finds; that match folds case more widely, so it is a superset.
 */
export function nameContains(
  dialect: Dialect,
  alias: string,
  needle: string,
  ignoreCase: boolean,
): RawBuilder<SqlBool> {
  const name = sql.ref(`${alias}.name`)
  const pattern = '%' + escapeLike(ignoreCase && dialect === 'sqlite' ? needle.toLowerCase() : needle) + '%'
  if (dialect === 'postgres')
    return sql<SqlBool>`(${name} ${sql.raw(ignoreCase ? 'ilike' : 'like')} ${pattern} escape '\\')`
  const exact = ignoreCase
    ? sql<SqlBool>`lower(${name}) like ${pattern} escape '\\'`
    : sql<SqlBool>`instr(${name}, ${needle}) > 0`
  if ([...needle].length < NAME_INDEX_MIN_CHARS) return sql<SqlBool>`(${exact})`
  // An FTS5 phrase of the whole needle: its trigrams, consecutive. `"` is doubled inside a phrase.
  const phrase = `"${needle.replace(/"/g, '""')}"`
  // `or name is null` keeps a NULL name NULL (not false) under `not(…)`: unnamed keys are not in the FTS table.
  const candidates = sql`(${sql.ref(`${alias}.id`)} in (select rowid from api_key_name_fts where api_key_name_fts match ${phrase}) or ${name} is null)`
  return sql<SqlBool>`(${candidates} and ${exact})`
}

/** Escapes LIKE's wildcards (with `\` as the escape character). */
function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c)
}

/**
 * The condition "the api_key row `alias`'s visible start (`key_prefix`) begins with `start`",
 * exactly (base62 is case-sensitive), as a range of the index of migration 0028: `like` on
 * PostgreSQL (backslash is its default escape: no `escape` clause, which would hide the pattern's
 * fixed start from the planner), `glob` on SQLite (case-sensitive, served by a binary index).
 * `indexed` false: SQLite may not use that index for it (unary `+`, its documented way to say so).
 */
export function keyPrefixStartsWith(
  dialect: Dialect,
  alias: string,
  start: string,
  indexed = true,
): RawBuilder<SqlBool> {
  const column = sql.ref(`${alias}.key_prefix`)
  if (dialect === 'postgres') return sql<SqlBool>`(${column} like ${escapeLike(start) + '%'})`
  return sql<SqlBool>`(${indexed ? column : sql`+${column}`} glob ${escapeGlob(start) + '*'})`
}

/** Escapes GLOB's wildcards: each becomes a one-character class. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[]/g, (c) => `[${c}]`)
}

/**
 * The condition "the api_key row `alias`'s scopes include `scope`", exactly: one element of the
 * JSON array equal to it, as verify's `missingScopes` tests (no `*` expansion, no start). Parsed,
 * not matched as text: a scope may hold `"` or `\\`, which JSON escapes. No index serves it; it
 * filters the caller's keys, as `q=` under three characters does.
 */
export function scopesInclude(dialect: Dialect, alias: string, scope: string): RawBuilder<SqlBool> {
  const scopes = sql.ref(`${alias}.scopes`)
  if (dialect === 'postgres') return sql<SqlBool>`(${scopes}::jsonb @> jsonb_build_array(${scope}::text))`
  return sql<SqlBool>`exists (select 1 from json_each(${scopes}) where json_each.value = ${scope})`
}

/**
 * "The api_key row `alias` was made by one of `makers`": created with one (`created_by_key_id`), or holding
 * a secret one made by rolling it that still works at `now` (`secret_made_by_key_id`; the rolled-away one,
 * `previous_secret_made_by_key_id`, while its grace period runs; migration 0031). What `revoke {minted:
 * true}` ends first (`KeyLineageRepository`) and what `?made_by_key_id=` lists. Each arm is an index range.
 */
export function madeByKeys(alias: string, makers: readonly number[], now: string): RawBuilder<SqlBool> {
  const col = (c: string) => sql.ref(`${alias}.${c}`)
  const ids = sql.join(makers)
  const rolledAway = sql`(${col('previous_secret_made_by_key_id')} in (${ids}) and ${col('previous_hash')} is not null and ${col('previous_hash_expires_at')} > ${now})`
  return sql<SqlBool>`(${col('created_by_key_id')} in (${ids}) or ${col('secret_made_by_key_id')} in (${ids}) or ${rolledAway})`
}
