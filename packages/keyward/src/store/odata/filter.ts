import { type RawBuilder, type SqlBool, sql } from 'kysely'
import { invalid, tooExpensive } from '../../core/errors.js'
import type { Dialect } from '../database.js'
import { nameContains } from '../key-search.js'
import { ODATA_LIMITS, SubqueryChain, checkFilterSize } from './limits.js'
import { type FieldType, MODEL, type NavDef, type ResourceDef } from './model.js'
import type { Bind, PathNode } from './request.js'

/** A table occurrence in the query: which resource, under which SQL alias. */
export interface Scope {
  res: ResourceDef
  alias: string
}

/**
 * What the translator needs besides the tree: the bound literals, the dialect,
 * "now", and the authorization condition that every table occurrence gets.
 */
export interface TranslateContext {
  binds: readonly Bind[]
  dialect: Dialect
  now: string
  /** Rows of `scope` the caller may see (always applied, also inside subqueries). */
  visible(scope: Scope): RawBuilder<SqlBool>
  /** Fresh SQL alias, unique in the whole statement. */
  alias(): string
  /** Aliases whose `name` a `contains` filters through the trigram index (see `orderTerms` in paging.ts). */
  readonly nameSearched: Set<string>
}

type Literal = string | number | boolean | null
type Operand =
  | { kind: 'expr'; sql: RawBuilder<unknown>; type: FieldType }
  | { kind: 'literal'; value: Literal; type: FieldType | 'null' | 'boolean' }
  | { kind: 'manyNav'; name: string; nav: NavDef; scope: Scope }

const COMPARE: Record<string, string> = { eq: '=', ne: 'is distinct from', gt: '>', ge: '>=', lt: '<', le: '<=' }
const ARITHMETIC = new Set(['add', 'sub', 'mul', 'div', 'mod'])
const INT_MAX = 2 ** 31 - 1

const ref = (scope: Scope, column: string) => sql.ref(`${scope.alias}.${column}`)
const describe = (node: unknown): string => {
  const s = JSON.stringify(node) ?? String(node)
  return s.length > 80 ? s.slice(0, 77) + '...' : s
}

/** Translates an OData `$filter` tree into a SQL condition over `scope`, with every literal bound. */
export function translateFilter(
  node: unknown,
  scope: Scope,
  ctx: TranslateContext,
  vars: ReadonlyMap<string, Scope> = new Map(),
): RawBuilder<SqlBool> {
  checkFilterSize(node)
  return new FilterTranslator(ctx, scope, vars, SubqueryChain.at(scope.res.table)).condition(node)
}

/** A value expression (for `$orderby`): a field, or a field behind to-one navigations. */
export function translateValue(path: PathNode, scope: Scope, ctx: TranslateContext): RawBuilder<unknown> {
  const op = new FilterTranslator(ctx, scope, new Map(), SubqueryChain.at(scope.res.table)).path(path, scope)
  if (op.kind !== 'expr') throw invalid(`cannot order by navigation "${path.name}"`)
  return op.sql
}

class FilterTranslator {
  constructor(
    private readonly ctx: TranslateContext,
    private readonly root: Scope,
    private readonly vars: ReadonlyMap<string, Scope>,
    /** The tables this condition is nested in (cost limits of lambdas). */
    private readonly chain: SubqueryChain,
  ) {}

  condition(node: unknown): RawBuilder<SqlBool> {
    if (isPath(node)) return this.pathCondition(node, this.startOf(node))
    if (!Array.isArray(node) || typeof node[0] !== 'string')
      throw invalid(`$filter: ${describe(node)} is not a condition`)
    const [op, ...args] = node as [string, ...unknown[]]
    if (op === 'and' || op === 'or') {
      if (args.length < 2) throw invalid(`$filter: "${op}" needs two operands`)
      return sql<SqlBool>`(${sql.join(
        args.map((a) => this.condition(a)),
        sql.raw(` ${op} `),
      )})`
    }
    if (op === 'not') return sql<SqlBool>`(not ${this.condition(args[0])})`
    if (op in COMPARE) return this.compare(op, args[0], args[1])
    if (op === 'eqany') return this.inList(args[0], args[1])
    if (op === 'call') return this.callCondition(args[0])
    if (ARITHMETIC.has(op)) throw invalid(`$filter: arithmetic operator "${op}" is not supported`)
    throw invalid(`$filter: operator "${op}" is not supported`)
  }

  /** Where a path starts: a lambda variable, or the resource being filtered. */
  private startOf(node: PathNode): { scope: Scope; path: PathNode | undefined } {
    const v = this.vars.get(node.name)
    return v ? { scope: v, path: node.property ?? undefined } : { scope: this.root, path: node }
  }

  private pathCondition(
    node: PathNode,
    start: { scope: Scope; path: PathNode | undefined },
    chain = this.chain,
  ): RawBuilder<SqlBool> {
    const { scope, path } = start
    if (!path) throw invalid(`$filter: the lambda variable "${node.name}" is not a condition`)
    const nav = this.nav(scope.res, path.name)
    if (!nav) throw invalid(`$filter: "${path.name}" is a value, not a condition; compare it with eq, ne, gt…`)
    const inside = chain.enter(MODEL[nav.target].table, nav.many, path.lambda !== undefined)
    const target: Scope = { res: MODEL[nav.target], alias: this.ctx.alias() }
    const join = sql<SqlBool>`${ref(target, nav.targetColumn)} = ${ref(scope, nav.sourceColumn)} and ${this.ctx.visible(target)}`
    if (path.lambda) {
      const { method, identifier, expression } = path.lambda
      const vars = new Map(this.vars).set(identifier, target)
      const inner = new FilterTranslator(this.ctx, this.root, vars, inside).condition(expression)
      const from = sql`${sql.table(target.res.table)} as ${sql.id(target.alias)}`
      if (method === 'any') return sql<SqlBool>`exists (select 1 from ${from} where ${join} and ${inner})`
      if (method === 'all')
        return sql<SqlBool>`not exists (select 1 from ${from} where ${join} and (${inner}) is not true)`
      throw invalid(`$filter: lambda "${method}" is not supported (use any or all)`)
    }
    if (nav.many)
      throw invalid(`$filter: "${path.name}" has many rows; use ${path.name}/any(x: …) or ${path.name}/all(x: …)`)
    if (!path.property) throw invalid(`$filter: "${path.name}" is a navigation, not a condition`)
    const from = sql`${sql.table(target.res.table)} as ${sql.id(target.alias)}`
    return sql<SqlBool>`exists (select 1 from ${from} where ${join} and ${this.pathCondition(node, { scope: target, path: path.property }, inside)})`
  }

  private nav(res: ResourceDef, name: string): NavDef | undefined {
    return Object.hasOwn(res.navs, name) ? res.navs[name] : undefined
  }

  /** A path used as a value: a field, a to-one navigation's id, or a value behind to-one navigations. */
  path(node: PathNode, scope: Scope): Operand {
    if (node.lambda) throw invalid(`$filter: "${node.name}/${node.lambda.method}(…)" is a condition, not a value`)
    const field = Object.hasOwn(scope.res.fields, node.name) ? scope.res.fields[node.name] : undefined
    if (field) {
      if (node.property) throw invalid(`$filter: "${node.name}" is a field and has no "${node.property.name}"`)
      return { kind: 'expr', sql: ref(scope, field.column), type: field.type }
    }
    const nav = this.nav(scope.res, node.name)
    if (!nav) throw invalid(`unknown field or navigation "${node.name}" on ${scope.res.table}`)
    if (!node.property) {
      if (nav.many) return { kind: 'manyNav', name: node.name, nav, scope }
      return { kind: 'expr', sql: ref(scope, nav.sourceColumn), type: 'integer' }
    }
    if (nav.many) throw invalid(`$filter: "${node.name}" has many rows; use ${node.name}/any(x: …)`)
    const target: Scope = { res: MODEL[nav.target], alias: this.ctx.alias() }
    const inner = this.path(node.property, target)
    if (inner.kind !== 'expr') throw invalid(`$filter: "${node.property.name}" cannot be used as a value here`)
    const from = sql`${sql.table(target.res.table)} as ${sql.id(target.alias)}`
    return {
      kind: 'expr',
      type: inner.type,
      sql: sql`(select ${inner.sql} from ${from} where ${ref(target, nav.targetColumn)} = ${ref(scope, nav.sourceColumn)} and ${this.ctx.visible(target)})`,
    }
  }

  private value(node: unknown): Operand {
    if (node === null) return { kind: 'literal', value: null, type: 'null' }
    if (isBindRef(node)) return this.literal(this.bind(node.bind))
    if (isPath(node)) {
      const start = this.startOf(node)
      if (!start.path) throw invalid(`$filter: the lambda variable "${node.name}" is not a value`)
      return this.path(start.path, start.scope)
    }
    if (Array.isArray(node) && node[0] === 'call') return this.callValue(node[1])
    if (Array.isArray(node) && typeof node[0] === 'string') {
      if (ARITHMETIC.has(node[0])) throw invalid(`$filter: arithmetic operator "${node[0]}" is not supported`)
      throw invalid(`$filter: "${node[0]}" cannot be used as a value`)
    }
    if (typeof node === 'object' && node !== null && 'negative' in node)
      throw invalid('$filter: duration literals are not supported')
    throw invalid(`$filter: unsupported value ${describe(node)}`)
  }

  private bind(key: number | string): Bind {
    if (typeof key !== 'number') throw invalid(`$filter: parameter aliases ("${key}") are not supported`)
    const b = this.ctx.binds[key]
    if (!b) throw invalid('$filter: malformed literal')
    return b
  }

  private literal(b: Bind): Operand {
    switch (b[0]) {
      case 'Real':
      case 'Integer':
        if (!Number.isSafeInteger(b[1])) throw invalid(`$filter: only integer numbers are supported (got ${b[1]})`)
        return { kind: 'literal', value: b[1], type: 'integer' }
      case 'Text':
        // PostgreSQL text cannot hold NUL; no stored value contains one.
        if (b[1].includes('\u0000')) throw invalid('$filter: string literals may not contain NUL characters')
        return { kind: 'literal', value: b[1], type: 'text' }
      case 'Date':
      case 'Date Time': {
        const t = new Date(b[1]).getTime()
        if (Number.isNaN(t)) throw invalid('$filter: invalid datetime literal')
        return { kind: 'literal', value: new Date(t).toISOString(), type: 'date' }
      }
      case 'Boolean':
        return { kind: 'literal', value: b[1], type: 'boolean' }
      default:
        throw invalid(`$filter: a ${b[0]} literal cannot be used here`)
    }
  }

  /** Renders an operand as SQL of type `want`, binding literals as parameters. */
  private render(op: Operand, want: FieldType): RawBuilder<unknown> {
    if (op.kind === 'expr') return op.sql
    if (op.kind === 'manyNav') throw invalid(`$filter: "${op.name}" has many rows and is not a value`)
    if (want === 'integer') {
      if (typeof op.value !== 'number') throw invalid(`$filter: expected a number, got ${describe(op.value)}`)
      // Out of the id range nothing can match; bind a value the column type accepts.
      return sql`cast(${sql.val(Math.max(-INT_MAX, Math.min(INT_MAX, op.value)))} as integer)`
    }
    if (want === 'date') {
      const t = typeof op.value === 'string' ? Date.parse(op.value) : Number.NaN
      if (Number.isNaN(t)) throw invalid(`$filter: expected a date, got ${describe(op.value)}`)
      return sql`cast(${sql.val(new Date(t).toISOString())} as text)`
    }
    if (typeof op.value !== 'string') throw invalid(`$filter: expected a string, got ${describe(op.value)}`)
    return sql`cast(${sql.val(op.value)} as text)`
  }

  private typeOf(op: Operand): FieldType | 'null' | 'boolean' | 'many' {
    return op.kind === 'manyNav' ? 'many' : op.type
  }

  private compare(op: string, l: unknown, r: unknown): RawBuilder<SqlBool> {
    const a = this.value(l)
    const b = this.value(r)
    if (a.kind === 'manyNav' || b.kind === 'manyNav') return this.manyNavCompare(op, a, b)
    if (a.type === 'null' || b.type === 'null') {
      if (op !== 'eq' && op !== 'ne') throw invalid(`$filter: null can only be compared with eq or ne`)
      const other = a.type === 'null' ? b : a
      if (other.kind === 'literal' && other.type === 'null')
        return op === 'eq' ? sql<SqlBool>`(1 = 1)` : sql<SqlBool>`(1 = 0)`
      const o = this.render(other, other.type === 'null' || other.type === 'boolean' ? 'text' : other.type)
      return op === 'eq' ? sql<SqlBool>`(${o} is null)` : sql<SqlBool>`(${o} is not null)`
    }
    const type = this.commonType(a, b)
    return sql<SqlBool>`(${this.render(a, type)} ${sql.raw(COMPARE[op]!)} ${this.render(b, type)})`
  }

  private commonType(a: Operand, b: Operand): FieldType {
    const ta = this.typeOf(a)
    const tb = this.typeOf(b)
    if (ta === 'boolean' || tb === 'boolean') throw invalid('$filter: boolean literals are not supported here')
    if (ta === tb) return ta as FieldType
    // A string literal next to a date is read as a date.
    if (
      (ta === 'date' && b.kind === 'literal' && tb === 'text') ||
      (tb === 'date' && a.kind === 'literal' && ta === 'text')
    )
      return 'date'
    throw invalid(`$filter: cannot compare a ${ta} with a ${tb}`)
  }

  /** `a/is_of__user eq 5`: a to-many navigation compared with an id means "one of them has that id". */
  private manyNavCompare(op: string, a: Operand, b: Operand): RawBuilder<SqlBool> {
    const nav = a.kind === 'manyNav' ? a : (b as Extract<Operand, { kind: 'manyNav' }>)
    const other = a.kind === 'manyNav' ? b : a
    if ((op !== 'eq' && op !== 'ne') || other.kind !== 'literal' || other.type !== 'integer') {
      throw invalid(
        `$filter: "${nav.name}" has many rows; compare it only with eq/ne and an id, or use ${nav.name}/any(x: …)`,
      )
    }
    const target: Scope = { res: MODEL[nav.nav.target], alias: this.ctx.alias() }
    const from = sql`${sql.table(target.res.table)} as ${sql.id(target.alias)}`
    const exists = sql<SqlBool>`exists (select 1 from ${from} where ${ref(target, nav.nav.targetColumn)} = ${ref(nav.scope, nav.nav.sourceColumn)}
      and ${this.ctx.visible(target)} and ${ref(target, 'id')} = ${this.render(other, 'integer')})`
    return op === 'eq' ? exists : sql<SqlBool>`(not ${exists})`
  }

  private inList(l: unknown, r: unknown): RawBuilder<SqlBool> {
    const a = this.value(l)
    if (!isBindRef(r)) throw invalid('$filter: "in" needs a list of literals')
    const list = this.bind(r.bind)
    if (list[0] !== 'List') throw invalid('$filter: "in" needs a list of literals')
    if (list[1].length === 0) return sql<SqlBool>`(1 = 0)`
    if (list[1].length > ODATA_LIMITS.listItems)
      throw tooExpensive(`$filter: "in" takes at most ${ODATA_LIMITS.listItems} values`)
    const items = list[1].map((b) => this.literal(b))
    const type = this.commonType(a, items[0]!)
    return sql<SqlBool>`(${this.render(a, type)} in (${sql.join(items.map((i) => this.render(i, type)))}))`
  }

  private callArgs(call: unknown, arity: number): { method: string; args: Operand[] } {
    const c = call as { method?: unknown; args?: unknown }
    if (typeof c?.method !== 'string' || !Array.isArray(c.args)) throw invalid(`$filter: malformed function call`)
    if (c.args.length !== arity) throw invalid(`$filter: ${c.method}() takes ${arity} argument(s)`)
    return { method: c.method, args: c.args.map((a) => this.value(a)) }
  }

  private text(op: Operand, fn: string): RawBuilder<unknown> {
    const t = this.typeOf(op)
    if (t !== 'text') throw invalid(`$filter: ${fn}() needs text arguments, got a ${t}`)
    return this.render(op, 'text')
  }

  private callCondition(call: unknown): RawBuilder<SqlBool> {
    const method = (call as { method?: unknown })?.method
    if (method === 'contains' || method === 'startswith' || method === 'endswith' || method === 'substringof') {
      const { args } = this.callArgs(call, 2)
      // substringof (OData v2) takes its arguments the other way round.
      const [hay, needle] = (method === 'substringof' ? [args[1]!, args[0]!] : args).map((a) => this.text(a, method))
      if (method === 'startswith') return sql<SqlBool>`(substr(${hay}, 1, length(${needle})) = ${needle})`
      if (method === 'endswith') {
        return sql<SqlBool>`(length(${hay}) >= length(${needle}) and substr(${hay}, length(${hay}) - length(${needle}) + 1) = ${needle})`
      }
      const indexed = this.keyNameContains(
        (call as { args: unknown[] }).args[method === 'substringof' ? 1 : 0],
        method === 'substringof' ? args[0]! : args[1]!,
      )
      if (indexed) return indexed
      // Case-sensitive on both stores (SQLite's LIKE is not).
      return this.ctx.dialect === 'postgres'
        ? sql<SqlBool>`(strpos(${hay}, ${needle}) > 0)`
        : sql<SqlBool>`(instr(${hay}, ${needle}) > 0)`
    }
    throw invalid(`$filter: function "${String(method)}" is not supported as a condition`)
  }

  /** `contains` through the key name index when `hay` is an api_key's `name` and `needle` a literal, else null. */
  private keyNameContains(hay: unknown, needle: Operand): RawBuilder<SqlBool> | null {
    if (!isPath(hay) || needle.kind !== 'literal' || typeof needle.value !== 'string') return null
    const { scope, path } = this.startOf(hay)
    if (!path || path.property || path.lambda || path.name !== 'name' || scope.res.table !== 'api_key') return null
    this.ctx.nameSearched.add(scope.alias)
    return nameContains(this.ctx.dialect, scope.alias, needle.value, false)
  }

  private callValue(call: unknown): Operand {
    const method = (call as { method?: unknown })?.method
    if (method === 'tolower' || method === 'toupper') {
      const { args } = this.callArgs(call, 1)
      const arg = this.text(args[0]!, method)
      return { kind: 'expr', type: 'text', sql: sql`${sql.raw(caseFunction(this.ctx.dialect, method))}(${arg})` }
    }
    if (method === 'now') {
      this.callArgs(call, 0)
      return { kind: 'literal', value: this.ctx.now, type: 'date' }
    }
    throw invalid(
      `$filter: function "${String(method)}" is not supported${method === 'contains' || method === 'startswith' || method === 'endswith' ? ' as a value' : ''}`,
    )
  }
}

/**
 * The SQL function of `tolower`/`toupper`: PostgreSQL's own; on SQLite, whose lower()/upper() change
 * ASCII letters only, PostgreSQL's registered on every connection (sql-case.js), as balena.md §6 asks.
 */
function caseFunction(dialect: Dialect, method: 'tolower' | 'toupper'): string {
  if (dialect === 'postgres') return method === 'tolower' ? 'lower' : 'upper'
  return method === 'tolower' ? 'kw_lower' : 'kw_upper'
}

function isBindRef(node: unknown): node is { bind: number | string } {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && 'bind' in node
}

function isPath(node: unknown): node is PathNode {
  return (
    typeof node === 'object' && node !== null && !Array.isArray(node) && typeof (node as PathNode).name === 'string'
  )
}
