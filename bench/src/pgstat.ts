/**
 * What a workload cost PostgreSQL, from its own statistics (independent of how
 * the server is built: threads, pools or processes all count): committed
 * transactions of the database, and scans / tuples read on `api_key`.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** Counters of one database at one instant. */
export interface PgCounters {
  xactCommit: number
  /** Index scans + sequential scans on api_key. */
  keyScans: number
  /** Scans of api_key's indexes on a hash column (`hash`, `previous_hash`): the lookups by hash. */
  hashIndexScans: number
  /** Tuples read from api_key (index fetches + sequential reads). */
  keyTuples: number
}

async function withClient<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await f(c)
  } finally {
    await c.end()
  }
}

/**
 * Reads the counters. Backends publish their statistics at most once a second and on
 * exit, so call this after the target stopped (its connections closed) or after a pause.
 * This connection's own transaction is counted once per call; the delta subtracts one.
 */
export function pgCounters(url: string): Promise<PgCounters> {
  return withClient(url, async (c) => {
    const db = await c.query('select xact_commit::float8 as x from pg_stat_database where datname = current_database()')
    const t = await c.query(`select (coalesce(idx_scan, 0) + coalesce(seq_scan, 0))::float8 as s,
      (coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0))::float8 as t from pg_stat_user_tables where relname = 'api_key'`)
    const h =
      await c.query(`select coalesce(sum(s.idx_scan), 0)::float8 as s from pg_stat_user_indexes s join pg_indexes i
      on i.indexname = s.indexrelname and i.tablename = s.relname where s.relname = 'api_key' and i.indexdef ~ '\\(.*hash.*\\)'`)
    return {
      xactCommit: db.rows[0].x,
      keyScans: t.rows[0]?.s ?? 0,
      keyTuples: t.rows[0]?.t ?? 0,
      hashIndexScans: h.rows[0].s,
    }
  })
}

/** A fresh database on the server at `adminUrl`, and how to drop it (only this one). */
export async function freshPgDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kw_bench_${randomBytes(5).toString('hex')}`
  await withClient(adminUrl, (c) => c.query(`create database ${name}`))
  const u = new URL(adminUrl)
  u.pathname = `/${name}`
  return {
    url: u.toString(),
    drop: () => withClient(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  }
}
