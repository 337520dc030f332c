import BetterSqlite3 from 'better-sqlite3'
import { type CompiledQuery, Kysely, type KyselyPlugin, PostgresDialect, SqliteDialect, sql } from 'kysely'
import pg from 'pg'
import Cursor from 'pg-cursor'
import type { Dialect } from '../../src/store/database.js'
import type { Database } from '../../src/store/schema.js'
import { registerCaseFunctions } from '../../src/store/sql-case.js'

/** What a recording Kysely saw: every statement it ran, and how many rows each returned (same order). */
export interface Recorded {
  db: Kysely<Database>
  dialect: Dialect
  statements: CompiledQuery[]
  rows: number[]
}

/** A Kysely on an existing database that remembers every statement it runs (to EXPLAIN them afterwards) and its row count. */
export function recordingDb(url: string): Recorded {
  const statements: CompiledQuery[] = []
  const rows: number[] = []
  const log = (e: { level: string; query: CompiledQuery }) => {
    if (e.level === 'query') statements.push(e.query)
  }
  const plugins = [rowCounter(rows)]
  if (url.startsWith('sqlite:')) {
    const sqlite = new BetterSqlite3(url.slice('sqlite:'.length))
    // As every connection of the server's: searches call PostgreSQL's case mapping (store/sql-case.js).
    registerCaseFunctions(sqlite)
    const dialect = new SqliteDialect({ database: sqlite })
    return { db: new Kysely<Database>({ dialect, log, plugins }), dialect: 'sqlite', statements, rows }
  }
  // With a cursor, as the server's (store/database.ts): large OData results are read in batches.
  const dialect = new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }), cursor: Cursor })
  return { db: new Kysely<Database>({ dialect, log, plugins }), dialect: 'postgres', statements, rows }
}

/** A plugin appending each result's row count to `rows`: what left the database for the process to parse. */
export function rowCounter(rows: number[]): KyselyPlugin {
  return {
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      rows.push(args.result.rows.length)
      return args.result
    },
  }
}

/** One step of a query plan: what it does, and whether it runs once per outer row (inside a correlated subquery). */
export interface PlanStep {
  detail: string
  correlated: boolean
}

/** The plan of a statement: SQLite's EXPLAIN QUERY PLAN rows, or PostgreSQL's EXPLAIN tree flattened. */
export async function planOf(db: Kysely<Database>, dialect: Dialect, q: CompiledQuery): Promise<PlanStep[]> {
  const text = `explain ${dialect === 'sqlite' ? 'query plan' : '(format json)'} ${q.sql}`
  const { rows } = await db.executeQuery<Record<string, unknown>>({ ...q, sql: text })
  return dialect === 'sqlite'
    ? sqliteSteps(rows as { id: number; parent: number; detail: string }[])
    : postgresSteps(rows[0]!['QUERY PLAN'])
}

function sqliteSteps(rows: { id: number; parent: number; detail: string }[]): PlanStep[] {
  const byId = new Map(rows.map((r) => [r.id, r]))
  const correlated = (r: { parent: number; detail: string }): boolean => {
    if (r.detail.startsWith('CORRELATED')) return true
    const p = byId.get(r.parent)
    return p ? correlated(p) : false
  }
  return rows.map((r) => ({ detail: r.detail, correlated: correlated(r) }))
}

interface PgNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Parent Relationship'?: string
  Plans?: PgNode[]
}

function postgresSteps(plan: unknown): PlanStep[] {
  const json = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: PgNode }[]
  const out: PlanStep[] = []
  const walk = (n: PgNode, correlated: boolean) => {
    const inSubPlan = correlated || n['Parent Relationship'] === 'SubPlan'
    out.push({
      detail: [n['Node Type'], n['Relation Name'], n['Index Name']].filter(Boolean).join(' '),
      correlated: inSubPlan,
    })
    for (const c of n.Plans ?? []) walk(c, inSubPlan)
  }
  walk(json[0]!.Plan, false)
  return out
}

/**
 * Steps that read a whole table (or a whole index) rather than seeking into it. SQLite
 * names tables by their alias (`SCAN t0`); the FTS index (`VIRTUAL TABLE`) and
 * scans of a subquery's own result (`SCAN (subquery-1)`, `SCAN probe`, the per-parent
 * numbered rows `SCAN __paged`) are not table scans.
 */
export function fullScans(steps: PlanStep[]): PlanStep[] {
  return steps.filter(
    (s) =>
      (/^SCAN (?!\(|probe\b|__paged\b)/.test(s.detail) && !s.detail.includes('VIRTUAL TABLE')) ||
      /^Seq Scan /.test(s.detail),
  )
}

/** Runs ANALYZE so the planner knows the tables' sizes (PostgreSQL autovacuum would, a little later). */
export async function analyze(db: Kysely<Database>): Promise<void> {
  await sql`analyze`.execute(db)
}

/** A Kysely over `db` that also keeps each statement it compiles with an `order by` (the pages of a listing). */
export function orderedStatements(db: Kysely<Database>): { spy: Kysely<Database>; ordered: CompiledQuery[] } {
  const ordered: CompiledQuery[] = []
  const executor = db.getExecutor()
  const spy = db.withPlugin({
    transformQuery: ({ node, queryId }) => {
      const q = executor.compileQuery(node, queryId)
      if (/order by/i.test(q.sql)) ordered.push(q)
      return node
    },
    transformResult: async ({ result }) => result,
  })
  return { spy, ordered }
}
