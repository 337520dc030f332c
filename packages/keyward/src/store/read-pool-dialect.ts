import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import type { ReadPool } from './read-pool.js'

const noTransactions = (): never => {
  throw new Error('the read pool runs single read statements; transactions belong on the main connection')
}

/** A connection that hands each compiled statement to the pool's workers. */
class ReadPoolConnection implements DatabaseConnection {
  constructor(private readonly pool: ReadPool) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    return { rows: (await this.pool.query(q.sql, q.parameters)) as R[] }
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the read pool does not stream')
  }
}

class ReadPoolDriver implements Driver {
  private readonly connection: ReadPoolConnection
  constructor(pool: ReadPool) {
    this.connection = new ReadPoolConnection(pool)
  }
  async init(): Promise<void> {}
  /** One shared connection object: the pool, not Kysely, decides which reader runs a statement. */
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection
  }
  beginTransaction = noTransactions
  commitTransaction = noTransactions
  rollbackTransaction = noTransactions
  async releaseConnection(): Promise<void> {}
  /** The pool belongs to the store, which closes it. */
  async destroy(): Promise<void> {}
}

/**
 * Kysely over the SQLite read pool: repositories keep writing Kysely, and their heavy reads
 * (listings, search, OData, audit, usage history) run in reader processes under a time budget.
 */
export class ReadPoolDialect implements Dialect {
  constructor(private readonly pool: ReadPool) {}
  createAdapter(): DialectAdapter {
    return new SqliteAdapter()
  }
  createDriver(): Driver {
    return new ReadPoolDriver(this.pool)
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler()
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's Dialect interface declares Kysely<any>
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db)
  }
}
