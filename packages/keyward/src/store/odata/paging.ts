import { type AliasedRawBuilder, type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { batchedRows } from '../batched-rows.js'
import type { Dialect } from '../database.js'
import type { Database } from '../schema.js'
import { type Scope, type TranslateContext, translateValue } from './filter.js'
import { pageValue } from './limits.js'
import type { BindRef, OrderNode } from './request.js'

/*
 * The SQL that orders and pages OData rows: one page of a query, or the same page
 * taken within each parent of an expansion. `query.ts` builds the selection and
 * the conditions; this file decides which rows leave the database.
 */

const MAX_PAGE = 2 ** 31 - 1

/** Rows to return and to skip in one query. */
export interface Page {
  top: number
  skip?: number
}

/** An expansion's page, taken within each value of `column` (the parent a row belongs to). */
export interface Partition {
  column: string
  skip: number
  top: number | undefined
}

/** One `order by` term: an expression and its direction. */
export type OrderTerm = [RawBuilder<unknown> | Expression<unknown>, 'asc' | 'desc']

/** The subquery numbering rows within their parent, and its row-number column. */
const PAGED = '__paged'
const ROW_NUMBER = '__rn'

/** One page of matching rows, in `order` (a large page in batches: `batchedRows`). */
export async function selectPage(
  db: Kysely<Database>,
  dialect: Dialect,
  scope: Scope,
  columns: AliasedRawBuilder<unknown, string>[],
  where: RawBuilder<SqlBool>,
  order: OrderTerm[],
  page: Page,
): Promise<Record<string, unknown>[]> {
  let q = db.selectFrom(sql.table(scope.res.table).as(scope.alias)).select(columns).where(where)
  for (const [v, dir] of order) q = q.orderBy(v, dir)
  q = q.limit(page.top)
  if (page.skip !== undefined) q = q.offset(page.skip)
  return await batchedRows(q, dialect, page.top)
}

/**
 * The page of each parent's rows, cut in SQL: rows are numbered in `order`
 * within their parent (`row_number() over (partition by …)`, on both stores)
 * and only the numbers inside the page leave the database. Paging after the
 * fetch made node-postgres parse every child row on the event loop: 20,000
 * device keys behind one actor for a `$top=1`. Rows come out in their
 * parent's order; `fetch` caps them all (the answer's row budget).
 */
export async function selectPaged(
  db: Kysely<Database>,
  dialect: Dialect,
  scope: Scope,
  columns: AliasedRawBuilder<unknown, string>[],
  where: RawBuilder<SqlBool>,
  order: OrderTerm[],
  partition: Partition,
  fetch: number,
): Promise<Record<string, unknown>[]> {
  const by = sql.ref(`${scope.alias}.${partition.column}`)
  const over = sql.join(order.map(([v, dir]) => sql`${v} ${sql.raw(dir)}`))
  const numbered = db
    .selectFrom(sql.table(scope.res.table).as(scope.alias))
    .select([...columns, sql<number>`row_number() over (partition by ${by} order by ${over})`.as(ROW_NUMBER)])
    .where(where)
  const n = sql.ref(`${PAGED}.${ROW_NUMBER}`)
  let q = db
    .selectFrom(numbered.as(PAGED))
    .selectAll()
    .where(sql<SqlBool>`${n} > ${partition.skip}`)
  if (partition.top !== undefined) q = q.where(sql<SqlBool>`${n} <= ${partition.skip + partition.top}`)
  return await batchedRows(q.orderBy(n).limit(fetch), dialect, fetch)
}

/**
 * `$orderby` as SQL terms, ending with `id` so every order is total (pages and
 * row numbers are stable). PostgreSQL's NULL order on both stores: last
 * ascending, first descending.
 */
export function orderTerms(ctx: TranslateContext, scope: Scope, orders: readonly OrderNode[]): OrderTerm[] {
  const terms: OrderTerm[] = []
  for (const o of orders) {
    // `$orderby=id` is the tie-break's column: the same trap under a name search (idOrder).
    const v = !o.property && o.name === 'id' ? idOrder(ctx, scope) : translateValue(o, scope, ctx)
    const dir = o.order === 'desc' ? 'desc' : 'asc'
    if (o.property || scope.res.fields[o.name]?.notNull !== true) terms.push([sql`(${v} is null)`, dir])
    terms.push([v, dir])
  }
  terms.push([idOrder(ctx, scope), 'asc'])
  return terms
}

/**
 * The `id` tie-break, as `id + 0` on PostgreSQL when the rows' `name` is searched through
 * the trigram index. Under `order by id limit n` the planner walks the primary key and tests
 * every row against the filter, expecting matches early; when none come it reads the whole
 * table (50 `or`ed `contains` over 100,000 keys: 0.93 s, 2.2–2.5 s over 300,000). `id + 0`
 * is the same order with no index to walk, so the trigram index finds the matches (0.6 ms)
 * and only they are sorted: a search matching most keys costs a sort of them instead
 * (170 ms for 70,000 matches of `contains(name,'e')`). An explicit `$orderby=id` gets the same
 * treatment (0.61 s before). `$orderby=name` and `created_at` were measured at 35–80 ms on
 * a loaded machine: their indexes lead with the owner, so the planner does not walk them.
 */
function idOrder(ctx: TranslateContext, scope: Scope): RawBuilder<unknown> | Expression<unknown> {
  const id = sql.ref(`${scope.alias}.id`)
  return ctx.dialect === 'postgres' && ctx.nameSearched.has(scope.alias) ? sql`(${id} + 0)` : id
}

/** Per-parent paging for an expansion's `$top`/`$skip`; none when neither is given. */
export function perParent(
  ctx: TranslateContext,
  column: string,
  $top: BindRef | undefined,
  $skip: BindRef | undefined,
): Partition | undefined {
  if ($top === undefined && $skip === undefined) return undefined
  return { column, skip: pageNumber(ctx, $skip, '$skip') ?? 0, top: pageNumber(ctx, $top, '$top') }
}

/** A `$top`/`$skip` value: a bound non-negative integer, capped at the largest page SQL takes. */
export function pageNumber(ctx: TranslateContext, ref: BindRef | undefined, option: string): number | undefined {
  if (ref === undefined) return undefined
  const b = typeof ref.bind === 'number' ? ctx.binds[ref.bind] : undefined
  const v = b && (b[0] === 'Integer' || b[0] === 'Real') ? b[1] : Number.NaN
  return Math.min(pageValue(v, option), MAX_PAGE)
}
