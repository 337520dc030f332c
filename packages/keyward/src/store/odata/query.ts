import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { invalid, tooExpensive } from '../../core/errors.js'
import type { Principal } from '../../core/types.js'
import type { Dialect } from '../database.js'
import type { Database } from '../schema.js'
import { visibleActors } from '../visibility.js'
import { type Scope, type TranslateContext, translateFilter } from './filter.js'
import {
  ODATA_LIMITS,
  RowBudget,
  answerTooLarge,
  checkExpandLevel,
  checkOrderTerms,
  isIndexedOrder,
  pageOf,
  unindexedOrderTooLarge,
} from './limits.js'
import { type Page, type Partition, orderTerms, pageNumber, perParent, selectPage, selectPaged } from './paging.js'
import { MODEL, type NavDef, type ResourceDef, type ResourceName } from './model.js'
import type { Bind, ExpandNode, ODataRequest, QueryOptions } from './request.js'

/** A row as the balena face renders it: balena field names, `{"__id": n}` links, expanded arrays. */
export type ODataRow = Record<string, unknown>

const ROOT_OPTIONS = new Set(['$filter', '$select', '$expand', '$orderby', '$top', '$skip'])
/** Parent ids per expansion query: well under both stores' bound-parameter limits. */
const EXPAND_CHUNK = 500

/**
 * Who reads: the principal, whose visibility restricts every table, and the authorization of
 * each resource the request reaches (`ODataService.authorize`: the resource's read scope).
 */
export interface ODataReader {
  principal: Principal
  mayRead(resource: ResourceName): void
}

const NAME_OF = new Map(Object.entries(MODEL).map(([name, def]) => [def, name as ResourceName]))

/**
 * Runs parsed OData requests against the store. Every table occurrence, in the
 * main query, in filter subqueries and in expansions, is restricted to the
 * actors the viewer may see, so no filter can reach a row outside them, and is
 * authorized as a request for that resource would be (`mayRead`): a navigation
 * needs the scope of what it reaches. Literals are always bound parameters.
 */
export class ODataRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async select(viewer: ODataReader, req: ODataRequest, now: string): Promise<ODataRow[]> {
    const ctx = this.context(viewer, req.binds, now)
    const root: Scope = { res: MODEL[req.resource], alias: ctx.alias() }
    checkOptions(req.options, '')
    // Its own context: the aliases the check takes do not count against the request's joins.
    checkExpandTree(this.context(viewer, req.binds, now), root.res, req.options, 0)
    const page = req.key
      ? { top: 1 }
      : pageOf(pageNumber(ctx, req.options.$top, '$top'), pageNumber(ctx, req.options.$skip, '$skip'))
    return this.run(ctx, root, req.options, this.rootWhere(ctx, root, req), 0, page, new RowBudget())
  }

  async count(viewer: ODataReader, req: ODataRequest, now: string): Promise<number> {
    const ctx = this.context(viewer, req.binds, now)
    const root: Scope = { res: MODEL[req.resource], alias: ctx.alias() }
    for (const k of Object.keys(req.options)) if (k !== '$filter') throw invalid(`${k} cannot be combined with $count`)
    const r = await this.db
      .selectFrom(sql.table(root.res.table).as(root.alias))
      .select(sql<number | string>`count(*)`.as('n'))
      .where(this.rootWhere(ctx, root, req))
      .executeTakeFirstOrThrow()
    return Number(r.n)
  }

  private context(viewer: ODataReader, binds: readonly Bind[], now: string): TranslateContext {
    let n = 0
    return {
      binds,
      now,
      dialect: this.dialect,
      alias: () => {
        if (n >= ODATA_LIMITS.tables)
          throw tooExpensive(`the request navigates too much (more than ${ODATA_LIMITS.tables} joins and subqueries)`)
        return `t${n++}`
      },
      // The one place every table occurrence passes: its authorization, then its rows' visibility.
      visible: (scope) => {
        viewer.mayRead(NAME_OF.get(scope.res)!)
        return visibility(this.db, viewer.principal, scope)
      },
      nameSearched: new Set(),
    }
  }

  private rootWhere(ctx: TranslateContext, root: Scope, req: ODataRequest): RawBuilder<SqlBool> {
    const conds = [ctx.visible(root)]
    if (req.key)
      conds.push(
        sql<SqlBool>`${sql.ref(`${root.alias}.${fieldColumn(root.res, req.key.field)}`)} = ${sql.val(req.key.value)}`,
      )
    if (req.options.$filter !== undefined) conds.push(translateFilter(req.options.$filter, root, ctx))
    return sql<SqlBool>`${sql.join(conds, sql` and `)}`
  }

  /** Selects rows of `scope` matching `where` (one page), then fills in their expansions. */
  private async run(
    ctx: TranslateContext,
    scope: Scope,
    opts: QueryOptions,
    where: RawBuilder<SqlBool>,
    depth: number,
    page: Page,
    budget: RowBudget,
    partition?: Partition,
  ): Promise<ODataRow[]> {
    const { fields, links } = selection(scope.res, opts)
    const expands = opts.$expand?.properties ?? []
    checkExpandLevel(expands.length, depth, undefined)
    const expandNavs = expands.map((e) => expandNav(scope.res, e, depth))
    const columns = [
      ...fields.map((f) => sql.ref(`${scope.alias}.${scope.res.fields[f]!.column}`).as(f)),
      ...links.map((l) => sql.ref(`${scope.alias}.${scope.res.navs[l]!.sourceColumn}`).as(l)),
      ...expandNavs.map((nav, i) => sql.ref(`${scope.alias}.${nav.sourceColumn}`).as(`__src${i}`)),
    ]
    const orders = opts.$orderby?.properties ?? []
    checkOrderTerms(orders.length)
    const unindexed = orders.find((o) => o.property || !isIndexedOrder(scope.res, o.name))
    if (unindexed) await this.checkSortable(scope, where, unindexed.name)
    const order = orderTerms(ctx, scope, orders)
    const raw = await (partition
      ? selectPaged(this.db, this.dialect, scope, columns, where, order, partition, page.top)
      : selectPage(this.db, this.dialect, scope, columns, where, order, page))
    // Root rows are placed as they are; expanded rows are counted where their parents place them.
    if (depth === 0) budget.take(raw.length)
    const rows: ODataRow[] = raw.map((r) => {
      const row: ODataRow = {}
      for (const f of fields) row[f] = r[f] ?? null
      for (const l of links) row[l] = r[l] === null || r[l] === undefined ? null : { __id: Number(r[l]) }
      return row
    })
    for (const [i, e] of expands.entries()) {
      const sources = raw
        .map((r) => r[`__src${i}`])
        .filter((v): v is number => v !== null && v !== undefined)
        .map(Number)
      const groups = await this.expand(ctx, expandNavs[i]!, e.options ?? {}, [...new Set(sources)], depth + 1, budget)
      raw.forEach((r, j) => {
        const g = groups.get(Number(r[`__src${i}`])) ?? []
        // A row shared by several parents is sent under each of them.
        budget.take(g.length)
        rows[j]![e.name] = g
      })
    }
    return rows
  }

  /** Refuses `$orderby` on a column without an index when more than `unindexedOrderRows` rows match (a bounded count). */
  private async checkSortable(scope: Scope, where: RawBuilder<SqlBool>, name: string): Promise<void> {
    const max = ODATA_LIMITS.unindexedOrderRows
    const probe = this.db
      .selectFrom(sql.table(scope.res.table).as(scope.alias))
      .select(sql`1`.as('one'))
      .where(where)
      .limit(max + 1)
    const r = await this.db
      .selectFrom(probe.as('probe'))
      .select(sql<number | string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow()
    if (Number(r.n) > max) throw unindexedOrderTooLarge(name)
  }

  /** Rows of a navigation's target for each source value, honouring nested options per parent. */
  private async expand(
    ctx: TranslateContext,
    nav: NavDef,
    opts: QueryOptions,
    sources: number[],
    depth: number,
    budget: RowBudget,
  ): Promise<Map<number, ODataRow[]>> {
    const groups = new Map<number, ODataRow[]>()
    const target: Scope = { res: MODEL[nav.target], alias: ctx.alias() }
    // Authorized whether or not any parent matched: a refusal must not depend on the data.
    const visible = ctx.visible(target)
    if (sources.length === 0) return groups
    checkOptions(opts, 'in $expand ')
    const joinRef = sql.ref(`${target.alias}.${nav.targetColumn}`)
    const filter = opts.$filter === undefined ? null : translateFilter(opts.$filter, target, ctx)
    // Paging applies per parent: done in SQL, within each value of the join column.
    const { $top, $skip, ...rest } = opts
    const partition = perParent(ctx, nav.targetColumn, $top, $skip)
    const withJoin: QueryOptions = { ...rest, $select: withField(rest.$select, target.res, nav.targetColumn) }
    const rows: ODataRow[] = []
    // Each parent falls in one chunk, so per-parent order and paging are unaffected.
    for (let i = 0; i < sources.length; i += EXPAND_CHUNK) {
      const chunk = sources.slice(i, i + EXPAND_CHUNK)
      const conds = [visible, sql<SqlBool>`${joinRef} in (${sql.join(chunk.map((s) => sql.val(s)))})`]
      if (filter) conds.push(filter)
      // Fetched rows count against the budget too: at most one more than an answer may hold.
      const top = budget.remaining() + 1 - rows.length
      rows.push(
        ...(await this.run(
          ctx,
          target,
          withJoin,
          sql<SqlBool>`${sql.join(conds, sql` and `)}`,
          depth,
          { top },
          budget,
          partition,
        )),
      )
      if (rows.length > budget.remaining()) throw answerTooLarge()
    }
    const join = nameOfColumn(target.res, nav.targetColumn)
    const wanted = selection(target.res, opts)
    for (const row of rows) {
      const v = row[join.name]
      const key = Number(join.link ? (v as { __id: number }).__id : v)
      if (![...wanted.fields, ...wanted.links].includes(join.name)) delete row[join.name]
      const g = groups.get(key) ?? []
      g.push(row)
      groups.set(key, g)
    }
    return groups
  }
}

function visibility(db: Kysely<Database>, viewer: Principal, scope: Scope): RawBuilder<SqlBool> {
  const conds: RawBuilder<SqlBool>[] = []
  if (scope.res.hiddenUnless) conds.push(sql<SqlBool>`${sql.ref(`${scope.alias}.${scope.res.hiddenUnless}`)} is null`)
  const visible = visibleActors(db, viewer)
  const via = scope.res.actorVia
  const column = sql.ref(`${scope.alias}.${scope.res.actorColumn}`)
  if (visible && via) {
    const owners = db.selectFrom(via.table).select('id').where('actor_id', 'in', visible)
    conds.push(sql<SqlBool>`${column} in (${owners})`)
  } else if (visible) conds.push(sql<SqlBool>`${column} in (${visible})`)
  return conds.length === 0 ? sql<SqlBool>`(1 = 1)` : sql<SqlBool>`(${sql.join(conds, sql` and `)})`
}

/**
 * The whole `$expand` tree, checked before a row is read. Invariant: bad input is a 400 whatever the data. An
 * expansion's options were checked only once a parent row matched, so a nested bad `$select`, `$filter`,
 * `$orderby` or a depth past the limit answered 200 to a caller with no such rows and 400 to one with them
 * (an attacker's find, `test/attack/odata-expand-empty`). `run` and `expand` check the same again as they go.
 */
function checkExpandTree(ctx: TranslateContext, res: ResourceDef, opts: QueryOptions, depth: number): void {
  const expands = opts.$expand?.properties ?? []
  checkExpandLevel(expands.length, depth, undefined)
  for (const e of expands) {
    const target: Scope = { res: MODEL[expandNav(res, e, depth).target], alias: ctx.alias() }
    const nested = e.options ?? {}
    checkOptions(nested, 'in $expand ')
    selection(target.res, nested)
    if (nested.$filter !== undefined) translateFilter(nested.$filter, target, ctx)
    const orders = nested.$orderby?.properties ?? []
    checkOrderTerms(orders.length)
    orderTerms(ctx, target, orders)
    perParent(ctx, 'id', nested.$top, nested.$skip)
    checkExpandTree(ctx, target.res, nested, depth + 1)
  }
}

function checkOptions(opts: QueryOptions, where: string): void {
  for (const k of Object.keys(opts)) {
    if (!ROOT_OPTIONS.has(k)) throw invalid(`query option "${k}" is not supported ${where}`.trim())
  }
}

/** The plain fields and the to-one links (`{"__id": n}`) a `$select` asks for. */
function selection(res: ResourceDef, opts: QueryOptions): { fields: string[]; links: string[] } {
  const sel = opts.$select
  const names =
    sel === undefined || sel === '*'
      ? res.defaultSelect
      : sel.properties.map((p) => {
          if (p.property)
            throw invalid(`$select: paths such as "${p.name}/${p.property.name}" are not supported; use $expand`)
          return p.name
        })
  const fields: string[] = []
  const links: string[] = []
  for (const n of names) {
    if (Object.hasOwn(res.fields, n)) fields.push(n)
    else if (Object.hasOwn(res.navs, n) && !res.navs[n]!.many) links.push(n)
    else if (Object.hasOwn(res.navs, n)) throw invalid(`$select: "${n}" has many rows; use $expand=${n}`)
    else throw invalid(`$select: unknown field "${n}" on ${res.table}`)
  }
  return { fields: [...new Set(fields)], links: [...new Set(links)] }
}

function expandNav(res: ResourceDef, e: ExpandNode, depth: number): NavDef {
  if (e.property)
    throw invalid(`$expand: paths such as "${e.name}/${e.property.name}" are not supported; nest $expand instead`)
  if (e.count) throw invalid(`$expand: "${e.name}/$count" is not supported`)
  const nav = Object.hasOwn(res.navs, e.name) ? res.navs[e.name] : undefined
  if (!nav) throw invalid(`$expand: unknown navigation "${e.name}" on ${res.table}`)
  checkExpandLevel(0, depth, e.name)
  return nav
}

/** The balena name of a column: a field (`id`) or a to-one link (`actor_id` is `actor`). */
function nameOfColumn(res: ResourceDef, column: string): { name: string; link: boolean } {
  const f = Object.entries(res.fields).find(([, d]) => d.column === column)
  if (f) return { name: f[0], link: false }
  return { name: Object.entries(res.navs).find(([, n]) => !n.many && n.sourceColumn === column)![0], link: true }
}

function fieldColumn(res: ResourceDef, name: string): string {
  const f = Object.hasOwn(res.fields, name) ? res.fields[name] : undefined
  if (!f) throw invalid(`"${name}" cannot address a ${res.table}`)
  return f.column
}

/** A `$select` that also includes the column expansion rows are grouped by. */
function withField(sel: QueryOptions['$select'], res: ResourceDef, column: string): QueryOptions['$select'] {
  const { name } = nameOfColumn(res, column)
  const base = sel === undefined || sel === '*' ? res.defaultSelect.map((n) => ({ name: n })) : sel.properties
  return { properties: [...base, { name }] }
}
