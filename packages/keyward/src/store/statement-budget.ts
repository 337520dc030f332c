import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely'
import { KeywardError } from '../core/errors.js'
import { tooExpensive } from './read-pool.js'

/** PostgreSQL's `query_canceled`: `statement_timeout` stopped the statement. */
const QUERY_CANCELED = '57014'

/** Turns PostgreSQL's statement timeout into `query_too_expensive`; other errors pass through. */
function translate(budgetMs: number, e: unknown): unknown {
  return (e as { code?: string } | null)?.code === QUERY_CANCELED ? tooExpensive(budgetMs, e) : e
}

class BudgetedConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly budgetMs: number,
  ) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(q)
    } catch (e) {
      throw translate(this.budgetMs, e)
    }
  }

  /**
   * A cursor's reads (`batched-rows.ts`). PostgreSQL's `statement_timeout` covers them together: its
   * timer runs until the portal completes, not per read (measured: reads sleeping 0.6 s each under
   * a 1 s budget stop at 1.0 s; `test/store/read-pool.test.ts`), so only the error needs translating.
   * The time between reads counts too: a busy event loop spends a heavy read's budget.
   */
  async *streamQuery<R>(q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(q, chunkSize)
    } catch (e) {
      throw translate(this.budgetMs, e)
    }
  }
}

/** Wraps a driver's connections; the wrapper is remembered so release hands back the original. */
class BudgetedDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>()
  constructor(
    private readonly inner: Driver,
    private readonly budgetMs: number,
  ) {}

  init(): Promise<void> {
    return this.inner.init()
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    let c: DatabaseConnection
    try {
      c = await this.inner.acquireConnection()
    } catch (e) {
      // Every connection busy past the budget (pg's connectionTimeoutMillis), or the server unreachable.
      throw new KeywardError('unavailable', 'no database connection is free; retry shortly', {
        retryAfterS: 1,
        cause: e,
      })
    }
    const w = new BudgetedConnection(c, this.budgetMs)
    this.wrapped.set(w, c)
    return w
  }
  beginTransaction(c: DatabaseConnection, s: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(this.unwrap(c), s)
  }
  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(this.unwrap(c))
  }
  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(this.unwrap(c))
  }
  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(this.unwrap(c))
  }
  destroy(): Promise<void> {
    return this.inner.destroy()
  }
  private unwrap(c: DatabaseConnection): DatabaseConnection {
    return this.wrapped.get(c) ?? c
  }
}

/**
 * A dialect whose statements answer `query_too_expensive` when the server's
 * `statement_timeout` (set on the pool's connections to `budgetMs`) stops them.
 */
export function withStatementBudget(dialect: Dialect, budgetMs: number): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new BudgetedDriver(dialect.createDriver(), budgetMs),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  }
}
