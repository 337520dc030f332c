import type { CompiledQuery, Compilable, Kysely } from 'kysely'

/**
 * The value a query is compiled with, standing for the one its caller gives at each run: no key,
 * hash or name has this shape (a NUL inside), so no other parameter is taken for it.
 */
const SLOT = '\u0000keyward:value\u0000'

/**
 * A read built and compiled once, run with one value filled in at each call. Kysely rebuilt its
 * operation tree and compiled the SQL on every call: for the verify path's key lookup (nine
 * joins) a cache miss on SQLite cost 70–74 µs built per call and costs 4–5 µs compiled once
 * (the build and compile alone: 55 µs; issue 11, `test/perf/miss-cost.ts`). The statement itself
 * was already prepared once (`statement-cache.ts`), but finding it meant hashing a new SQL string.
 * Invariants, enforced by `compile`: the value is a bound parameter, as it is, wherever the
 * builder puts it (never transformed, never inlined into the SQL), so replacing the sentinel
 * replaces the value, and the SQL and the other parameters are the same on every run. Keyward
 * installs no Kysely plugin, so nothing transforms a query per run that a compiled one would skip
 * (the run still goes through the driver and its statement budget as any query's). Compiled for
 * the dialect of the builder's database: run it on that database or a transaction of it.
 */
export class OneValueQuery<R> {
  private compiled: CompiledQuery<R> | undefined

  constructor(private readonly build: (value: string) => Compilable<R>) {}

  /** The rows for `value`, on `db` (the builder's own database, or a transaction of it). */
  async rows<DB>(db: Kysely<DB>, value: string): Promise<R[]> {
    const q = (this.compiled ??= this.compile())
    const parameters = q.parameters.map((p) => (p === SLOT ? value : p))
    return (await db.executeQuery<R>({ ...q, parameters })).rows
  }

  private compile(): CompiledQuery<R> {
    const q = this.build(SLOT).compile()
    const carried = q.parameters.includes(SLOT) && !q.sql.includes(SLOT)
    const altered = q.parameters.some((p) => p !== SLOT && typeof p === 'string' && p.includes(SLOT))
    if (!carried || altered) throw new Error('a one-value query must bind its value as a parameter, unchanged')
    return q
  }
}
