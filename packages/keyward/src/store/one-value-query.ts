import type { CompiledQuery, Compilable, Kysely } from 'kysely'

/**
 * The value a query is compiled with, standing for the one its caller gives at each run: no key,
 * hash or name has this shape (a NUL inside), so no other parameter is taken for it.
 */
const SLOT = '\u0000keyward:value\u0000'

/**
 * A read built and compiled once, run with one value filled in at each call. Kysely rebuilds its
 * operation tree and compiles the SQL on every call: for the verify path's key lookup (nine joins)
 * that was 37 µs of a 66–73 µs cache miss on SQLite (issue 11; `test/perf/miss-cost.ts`). The
 * statement itself was already prepared once (`statement-cache.ts`).
 * Invariant, enforced by `of`: the query is compiled from the same builder every time, so the SQL
 * and every parameter but the value are the same on every run; and Keyward installs no Kysely
 * plugin, so nothing transforms a query per run that a compiled one would skip (the result still
 * goes through the driver and its statement budget as any query's).
 */
export class OneValueQuery<R> {
  private compiled: CompiledQuery<R> | undefined

  constructor(private readonly build: (value: string) => Compilable<R>) {}

  /** The rows for `value`, on `db` (the builder's own database, or a transaction of it). */
  async rows<DB>(db: Kysely<DB>, value: string): Promise<R[]> {
    const q = (this.compiled ??= this.build(SLOT).compile())
    const parameters = q.parameters.map((p) => (p === SLOT ? value : p))
    return (await db.executeQuery<R>({ ...q, parameters })).rows
  }
}
