import { type RawBuilder, type SqlBool, sql } from 'kysely'
import type { Dialect } from './database.js'
import { lowerAsPostgres } from './sql-case.js'

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
 * case-sensitively, or ignoring case (`q=` listings) as PostgreSQL's `ilike` does: both
 * sides through lower(), one character for one. On PostgreSQL it is one `like`/`ilike`
 * the GIN index serves. On SQLite the exact test (`instr` on the name, or on `kw_lower(name)`,
 * PostgreSQL's lower() registered on every SQLite connection: sql-case.js) runs only on the
 * rows an FTS phrase match finds.
 *
 * Invariant, enforced here: the FTS match is a superset of the exact test. Case-sensitively it
 * is (it folds case itself). Ignoring case, FTS5 folds some letters otherwise than lower() (İ
 * is i to lower(), itself to FTS5; Georgian, Cherokee and newer scripts' capitals FTS5 does not
 * fold), so the needle is matched as its runs between such letters: rows holding all the runs
 * of at least three characters (`i`, of `İ`, is spelled both ways instead: `withDottedI`). A
 * needle without such a run is a scan of the caller's keys.
 */
export function nameContains(
  dialect: Dialect,
  alias: string,
  needle: string,
  ignoreCase: boolean,
): RawBuilder<SqlBool> {
  const name = sql.ref(`${alias}.name`)
  if (dialect === 'postgres') {
    const pattern = '%' + escapeLike(needle) + '%'
    return sql<SqlBool>`(${name} ${sql.raw(ignoreCase ? 'ilike' : 'like')} ${pattern} escape '\\')`
  }
  const lowered = ignoreCase ? lowerAsPostgres(needle) : needle
  const exact = ignoreCase
    ? sql<SqlBool>`instr(kw_lower(${name}), ${lowered}) > 0`
    : sql<SqlBool>`instr(${name}, ${needle}) > 0`
  const runs = (ignoreCase ? lowered.split(FTS_FOLDS_OTHERWISE).flatMap(withDottedI) : [[needle]]).filter(
    (alternatives) => [...alternatives[0]!].length >= NAME_INDEX_MIN_CHARS,
  )
  if (runs.length === 0) return sql<SqlBool>`(${exact})`
  // An FTS5 phrase of each run (its trigrams, consecutive), or of any of its spellings.
  const query = runs.map((alts) => (alts.length === 1 ? phrase(alts[0]!) : `(${alts.map(phrase).join(' OR ')})`))
  // `or name is null` keeps a NULL name NULL (not false) under `not(…)`: unnamed keys are not in the FTS table.
  const candidates = sql`(${sql.ref(`${alias}.id`)} in (select rowid from api_key_name_fts where api_key_name_fts match ${query.join(' AND ')}) or ${name} is null)`
  return sql<SqlBool>`(${candidates} and ${exact})`
}

/** An FTS5 phrase: `"` is doubled inside it. */
const phrase = (run: string) => `"${run.replace(/"/g, '""')}"`

/** Spellings of a run asked for at most: 2 to the number of its `i`s (`withDottedI`). */
const MAX_DOTTED_I_SPELLINGS = 8

/**
 * The run as the FTS index must be asked for it, alternatives each: `İ` lowers to `i`, which FTS5
 * does not fold it to, so a row holding `İ` where the run has `i` escapes the plain phrase. `i` is
 * the commonest letter of all: split there, `q=api` scanned every key of the caller, an admin's a
 * whole store (a reviewer's find). So a run is asked in each spelling with `i` or `İ` at each of
 * its `i`s, up to MAX_DOTTED_I_SPELLINGS, and past that split at its `i`s.
 */
function withDottedI(run: string): string[][] {
  const parts = run.split('i')
  if (parts.length === 1) return [[run]]
  if (2 ** (parts.length - 1) > MAX_DOTTED_I_SPELLINGS) return parts.map((p) => [p])
  return [parts.slice(1).reduce((heads, part) => heads.flatMap((h) => [`${h}i${part}`, `${h}İ${part}`]), [parts[0]!])]
}

/**
 * The letters `x` that lowerAsPostgres makes of some other letter `c` which SQLite's FTS5 (trigram,
 * case-insensitive) does not fold to the same as `x`: a row whose name holds `c` would escape a
 * phrase holding `x`. All but `i` (of `İ`), which `withDottedI` spells both ways instead. Computed from SQLite 3.53 (better-sqlite3 12) and Node 20's Unicode 16;
 * test/store/unicode-case.test.ts recomputes it against the running versions.
 */
export const FTS_FOLDS_OTHERWISE =
  /[\u{19b}\u{25c}\u{261}\u{264}\u{26a}\u{26c}\u{282}\u{287}\u{29d}\u{29e}\u{3f3}\u{529}\u{52b}\u{52d}\u{52f}\u{10d0}-\u{10fa}\u{10fd}-\u{10ff}\u{13f8}-\u{13fd}\u{1c8a}\u{1d8e}\u{2c5f}\u{a699}\u{a69b}\u{a794}\u{a797}\u{a799}\u{a79b}\u{a79d}\u{a79f}\u{a7b5}\u{a7b7}\u{a7b9}\u{a7bb}\u{a7bd}\u{a7bf}\u{a7c1}\u{a7c3}\u{a7c8}\u{a7ca}\u{a7cd}\u{a7cf}\u{a7d1}\u{a7d3}\u{a7d5}\u{a7d7}\u{a7d9}\u{a7db}\u{a7f6}\u{ab53}\u{ab70}-\u{abbf}\u{104d8}-\u{104fb}\u{10597}-\u{105a1}\u{105a3}-\u{105b1}\u{105b3}-\u{105b9}\u{105bb}\u{105bc}\u{10cc0}-\u{10cf2}\u{10d70}-\u{10d85}\u{118c0}-\u{118df}\u{16e60}-\u{16e7f}\u{16ebb}-\u{16ed3}\u{1e922}-\u{1e943}]/u

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
