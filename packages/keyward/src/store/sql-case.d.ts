// Types of sql-case.js, plain JavaScript so that the read pool's readers (read-worker.js) load it without a TypeScript loader.

/** `s` in lower case, one character for one, as PostgreSQL's lower(). */
export function lowerAsPostgres(s: string): string

/** `s` in upper case, one character for one, as PostgreSQL's upper(). */
export function upperAsPostgres(s: string): string

/** Registers `kw_lower` and `kw_upper` (deterministic) on a better-sqlite3 connection. */
export function registerCaseFunctions(db: {
  function(name: string, options: { deterministic: boolean }, fn: (v: unknown) => unknown): unknown
}): void
