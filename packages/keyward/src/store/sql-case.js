// @ts-check
// PostgreSQL's lower()/upper() for SQLite, whose built-ins change ASCII letters only: registered on
// every SQLite connection that runs reads (store/database.ts, and the read pool's readers,
// read-worker.js, which is why this is plain JavaScript) as `kw_lower`/`kw_upper`, and applied to
// search needles in JavaScript (key-search.ts), so `q=` and OData's tolower/toupper answer as on
// PostgreSQL (balena.md §6: "Semantics as PostgreSQL, on both stores").
//
// PostgreSQL (a libc locale, as the reference deployment's C.UTF-8) maps one character at a time
// (towlower/towupper): no context (Σ is σ at a word's end too), no expansion (ß stays ß in upper
// case, İ lowers to i). JavaScript's toLowerCase/toUpperCase apply Unicode's full mappings instead
// (final sigma, İ → i̇, ß → SS, ᾳ → ΑΙ), so a string holding such a letter is mapped per character,
// keeping Unicode's simple mapping: one character for one.

/** Simple uppercase of the letters whose full uppercase is longer (Unicode's SpecialCasing with a one-letter form). */
const SIMPLE_UPPER = new Map(
  [
    ...range(0x1f80, 0x1f87, 8),
    ...range(0x1f90, 0x1f97, 8),
    ...range(0x1fa0, 0x1fa7, 8),
    [0x1fb3, 0x1fbc],
    [0x1fc3, 0x1fcc],
    [0x1ff3, 0x1ffc],
  ].map(([from, to]) => [String.fromCodePoint(from), String.fromCodePoint(to)]),
)

/**
 * @param {number} first
 * @param {number} last
 * @param {number} shift
 * @returns {[number, number][]}
 */
function range(first, last, shift) {
  /** @type {[number, number][]} */
  const pairs = []
  for (let c = first; c <= last; c++) pairs.push([c, c + shift])
  return pairs
}

/** Anything but ASCII: ASCII strings take the plain built-in path (the common case, and the cheap one). */
const NON_ASCII = /[^\0-\x7f]/

/**
 * `s` in lower case, one character for one, as PostgreSQL's lower().
 * @param {string} s
 * @returns {string}
 */
export function lowerAsPostgres(s) {
  const full = s.toLowerCase()
  if (!NON_ASCII.test(s)) return full
  // Only İ lengthens in lower case: otherwise each character maps in place, and only Σ depends on
  // its neighbours (ς at a word's end), which PostgreSQL lowers to σ wherever it stands.
  if (full.length === s.length) return s.includes('Σ') ? full.replace(/ς/g, (c, at) => (s[at] === 'Σ' ? 'σ' : c)) : full
  let out = ''
  for (const c of s) {
    const l = c.toLowerCase()
    out += c === 'İ' ? 'i' : l.length === c.length ? l : c
  }
  return out
}

/**
 * `s` in upper case, one character for one, as PostgreSQL's upper().
 * @param {string} s
 * @returns {string}
 */
export function upperAsPostgres(s) {
  const full = s.toUpperCase()
  // No letter of Unicode shortens in upper case: the same length means every mapping was one for one.
  if (full.length === s.length) return full
  let out = ''
  for (const c of s) {
    const u = c.toUpperCase()
    out += u.length === c.length ? u : (SIMPLE_UPPER.get(c) ?? c)
  }
  return out
}

/**
 * A SQL argument through `fold`: NULL stays NULL, numbers fold as their text (as SQLite's lower() takes them).
 * @param {(s: string) => string} fold
 * @returns {(v: unknown) => string | null}
 */
function sqlFunction(fold) {
  return (v) => (v === null || v === undefined ? null : fold(typeof v === 'string' ? v : String(v)))
}

/**
 * Registers `kw_lower` and `kw_upper` on a better-sqlite3 connection. Deterministic: SQLite may
 * evaluate them once for a constant argument, and could index them. Every connection that
 * prepares a search or OData statement needs them (preparing one without them fails).
 * @param {{ function(name: string, options: { deterministic: boolean }, fn: (v: unknown) => unknown): unknown }} db
 */
export function registerCaseFunctions(db) {
  db.function('kw_lower', { deterministic: true }, sqlFunction(lowerAsPostgres))
  db.function('kw_upper', { deterministic: true }, sqlFunction(upperAsPostgres))
}
