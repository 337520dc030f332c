import type { Dialect } from './database.js'

/** Rows per read of a large result: node-postgres parses a read's rows in one turn of the event loop. */
export const ROWS_PER_READ = 500

/** A query that can be run whole or read in batches (Kysely's select builders). */
interface Readable<R> {
  execute(): Promise<R[]>
  stream(chunkSize: number): AsyncIterableIterator<R>
}

/**
 * The rows of `q`, which may return up to `max` of them. On PostgreSQL a query that may return
 * more than `ROWS_PER_READ` rows is read through a cursor, `ROWS_PER_READ` rows a read: node-postgres
 * parses all the rows that arrive in one socket read in one go, and libuv hands it every read that
 * is ready before the loop turns. A read is a round trip, so between batches the loop serves
 * other requests: the longest loop block while one 10,000-row OData page was served went from
 * 13–24 ms (median 15.6) to 3–8 ms (median 5.4), same total time (DESIGN.md, "Heavy reads").
 * The choice follows the bound, not the result: a query bounded above 500 rows (OData's default
 * page of 1,000, every `$expand`) pays the cursor's extra round trip (closing the portal) even when
 * few rows come back. Kept because a 1,000-row page read whole held the loop up to 4.8 ms (median of
 * ten), 3.5 ms through the cursor. Bounds of at most 500 use a plain query. SQLite's read pool
 * already hands its rows over in batches a turn apart (`read-pool.ts`).
 */
export async function batchedRows<R>(q: Readable<R>, dialect: Dialect, max: number): Promise<R[]> {
  if (dialect !== 'postgres' || max <= ROWS_PER_READ) return q.execute()
  const rows: R[] = []
  for await (const row of q.stream(ROWS_PER_READ)) rows.push(row)
  return rows
}
