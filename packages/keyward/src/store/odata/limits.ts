import { invalid, tooExpensive } from '../../core/errors.js'
import type { ResourceDef } from './model.js'

/**
 * What one OData request may ask of the database. Every limit is checked while
 * the SQL is being built, before anything runs, and a request beyond one is a
 * 400 `query_too_expensive` whose message names the limit. They exist because
 * one slow statement stalls a SQLite node (better-sqlite3 runs on the event loop)
 * and holds a PostgreSQL connection: 20,000 keys behind
 * `is_of__actor/any(a:a/api_key/any(…))` took 43 s before these checks.
 * docs/compat.md lists them next to the OData support table.
 */
export const ODATA_LIMITS = {
  /** `any`/`all` nested inside each other. balena's SDK nests two; three leaves room. */
  lambdaDepth: 3,
  /** Comparisons, `in` lists and string functions in one `$filter` (each can be a scan of the set). */
  terms: 50,
  /**
   * `and`, `or`, `not` and arithmetic in one `$filter`, counted in its text before parsing: 50 terms
   * need 49 connectives, and the parser's cost grows faster than its input (1,551 `mul`s held the
   * loop 0.3–1.1 s before the 1,500-part check refused them: a fuzzer's find; 100 take about 10 ms).
   */
  operators: 100,
  /** `$orderby` terms at one level (SQLite refuses over 2,000 and answered 500; balena's SDK sends one or two). */
  orderTerms: 8,
  /** Values in one `in (…)` list. */
  listItems: 1000,
  /** Parse-tree nodes of one `$filter`, and its nesting (SQLite refuses expression trees deeper than 1000). */
  nodes: 1500,
  depth: 100,
  /** Table occurrences (joins and subqueries) in one request. */
  tables: 60,
  /** `$expand` nesting (actor → user/application/device is as deep as the model goes) and navigations per level. */
  expandDepth: 2,
  expandWidth: 4,
  /** Rows returned when `$top` is absent, and the largest `$top`. */
  defaultTop: 1000,
  maxTop: 10_000,
  /** The largest `$skip`: an offset is read and thrown away row by row. */
  maxSkip: 100_000,
  /** Rows one answer may hold, expanded rows included (each counted under every parent it appears in). */
  responseRows: 10_000,
  /** `$orderby` on a column without an index sorts every match; allowed up to this many matching rows. */
  unindexedOrderRows: 10_000,
} as const

/** Refuses filters nested deeper, larger or with more terms than the limits (iteratively: no recursion to overflow). */
export function checkFilterSize(root: unknown): void {
  let nodes = 0
  let terms = 0
  const stack: [unknown, number][] = [[root, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (++nodes > ODATA_LIMITS.nodes) throw tooExpensive(`$filter is too large (more than ${ODATA_LIMITS.nodes} parts)`)
    if (depth > ODATA_LIMITS.depth)
      throw tooExpensive(`$filter is nested too deeply (more than ${ODATA_LIMITS.depth} levels)`)
    if (isTerm(node) && ++terms > ODATA_LIMITS.terms) throw tooManyTerms()
    if (typeof node === 'object' && node !== null)
      for (const child of Object.values(node)) stack.push([child, depth + 1])
  }
}

/**
 * Refuses a `$filter` with more terms than the limit before it is parsed, by its text:
 * `@balena/odata-parser`'s cost grows faster than its input (measured on the event loop:
 * 50 `or`ed terms 4–17 ms, 120 terms 45–120 ms, 400 terms 0.2–0.6 s), so a filter refused
 * after parsing had already held the node. `$expand` is cut at each nested `$filter=`, so
 * every piece holds the terms of one filter at most. Quoted literals are skipped; the text
 * never counts more terms than the parse tree does (`checkFilterSize` stays the exact check).
 */
export function checkTermsBeforeParsing(option: string, value: string): void {
  const pieces = option === '$filter' ? [value] : option === '$expand' ? value.split('$filter=').slice(1) : []
  for (const piece of pieces) {
    const unquoted = piece.replace(/'(?:[^']|'')*'/g, "''")
    if (termsInText(unquoted) > ODATA_LIMITS.terms) throw tooManyTerms()
    // Each value of an `in` list or argument of a call costs the parser 30–100 µs: 7,000 held the
    // loop 0.2–0.7 s before the list limit, checked on the tree, refused them (a fuzzer's find).
    if (commasIn(unquoted) >= ODATA_LIMITS.listItems)
      throw tooExpensive(`$filter takes at most ${ODATA_LIMITS.listItems} list values and arguments in all`)
    if (operatorsInText(unquoted) > ODATA_LIMITS.operators)
      throw tooExpensive(
        `$filter has too many operators (more than ${ODATA_LIMITS.operators} and/or/not and arithmetic)`,
      )
  }
}

/** Refuses an `$orderby` of more terms than the limit (`ODATA_LIMITS.orderTerms`). */
export function checkOrderTerms(count: number): void {
  if (count > ODATA_LIMITS.orderTerms)
    throw tooExpensive(`$orderby has too many terms (more than ${ODATA_LIMITS.orderTerms})`)
}

/**
 * An operator word as the parser reads it: not part of a name, a path (`a/not_x`), a member (`x.or`)
 * or a lambda variable (`or:`, `or/id`). Spaces are optional around it — `(1)mul(2)` and
 * `(id eq 1)and(id eq 2)` parse — so counting only space-delimited words let 2,500 `mul(1)` through
 * uncounted, holding the loop 0.7 s (a reviewer's find).
 */
const operatorWord = (words: string): RegExp => new RegExp(String.raw`(?<![\w$@/.])(?:${words})(?![\w.:/])`, 'g')
const OPERATORS = operatorWord('and|or|not|add|sub|mul|div|mod')
const COMPARISONS = operatorWord('eq|ne|gt|ge|lt|le|in')

/** Commas in a filter's text with its literals blanked. */
function commasIn(unquoted: string): number {
  let n = 0
  for (let i = unquoted.indexOf(','); i >= 0; i = unquoted.indexOf(',', i + 1)) n++
  return n
}

/** Connectives and arithmetic in a filter's text with its literals blanked. */
function operatorsInText(unquoted: string): number {
  return unquoted.match(OPERATORS)?.length ?? 0
}

/** Comparisons, `in` and string functions in a filter's text with its literals blanked. */
function termsInText(unquoted: string): number {
  return (
    (unquoted.match(/\b(?:contains|startswith|endswith|substringof)\s*\(/g)?.length ?? 0) +
    (unquoted.match(COMPARISONS)?.length ?? 0)
  )
}

function tooManyTerms(): Error {
  return tooExpensive(`$filter has too many terms (more than ${ODATA_LIMITS.terms} comparisons and functions)`)
}

const TERM_OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'eqany'])
const TERM_CALLS = new Set(['contains', 'startswith', 'endswith', 'substringof'])

/** A condition that tests rows: a comparison, an `in` list, or a string function (not `tolower` inside one). */
function isTerm(node: unknown): boolean {
  if (!Array.isArray(node) || typeof node[0] !== 'string') return false
  if (TERM_OPS.has(node[0])) return true
  return node[0] === 'call' && TERM_CALLS.has((node[1] as { method?: string } | undefined)?.method ?? '')
}

/**
 * The tables a filter subquery is nested in, outermost first, and how many
 * lambdas deep it is. Stepping through a to-many navigation into a table the
 * chain already iterates multiplies rows by rows: each api_key row scanning its
 * owner's keys (`is_of__actor/any(a:a/api_key/any(…))`), each device scanning
 * its fleet's devices. Those are refused, whatever the data looks like today.
 */
export class SubqueryChain {
  private constructor(
    private readonly tables: readonly string[],
    private readonly lambdas: number,
  ) {}

  static at(root: string): SubqueryChain {
    return new SubqueryChain([root], 0)
  }

  /** The chain inside a navigation to `target` (a lambda when `lambda` is set); throws when that costs rows × rows. */
  enter(target: string, many: boolean, lambda: boolean): SubqueryChain {
    if (many && this.tables.includes(target)) {
      throw tooExpensive(
        `$filter re-enters ${target} from ${this.tables.join(' → ')}: each row would scan many ${target} rows; filter ${target} directly`,
      )
    }
    const lambdas = this.lambdas + (lambda ? 1 : 0)
    if (lambdas > ODATA_LIMITS.lambdaDepth)
      throw tooExpensive(`$filter nests any/all more than ${ODATA_LIMITS.lambdaDepth} deep`)
    return new SubqueryChain([...this.tables, target], lambdas)
  }
}

/** `$top` and `$skip` after the limits: the default page when `$top` is absent, refusals beyond the maxima. */
export function pageOf(top: number | undefined, skip: number | undefined): { top: number; skip: number | undefined } {
  if (top !== undefined && top > ODATA_LIMITS.maxTop) throw tooExpensive(`$top is at most ${ODATA_LIMITS.maxTop}`)
  if (skip !== undefined && skip > ODATA_LIMITS.maxSkip)
    throw tooExpensive(`$skip is at most ${ODATA_LIMITS.maxSkip}; filter on id or created_at to page further`)
  return { top: top ?? ODATA_LIMITS.defaultTop, skip }
}

/** Refuses an `$expand` level wider or deeper than the limits. */
export function checkExpandLevel(width: number, depth: number, name: string | undefined): void {
  if (width > ODATA_LIMITS.expandWidth)
    throw tooExpensive(`$expand lists more than ${ODATA_LIMITS.expandWidth} navigations at one level`)
  if (name !== undefined && depth + 1 > ODATA_LIMITS.expandDepth) {
    throw tooExpensive(`$expand: "${name}" is nested too deep (at most ${ODATA_LIMITS.expandDepth} levels)`)
  }
}

/** Counts rows placed in one answer; throws once there are more than `responseRows`. */
export class RowBudget {
  private used = 0

  take(n: number): void {
    this.used += n
    if (this.used > ODATA_LIMITS.responseRows) throw answerTooLarge()
  }

  /** Rows that may still be placed. */
  remaining(): number {
    return ODATA_LIMITS.responseRows - this.used
  }
}

/** The refusal of an answer over `responseRows` rows. */
export function answerTooLarge(): Error {
  return tooExpensive(
    `the answer would hold more than ${ODATA_LIMITS.responseRows} rows (expansions included); lower $top or add $top inside $expand`,
  )
}

/** True when `$orderby` on `field` of `res` can read an index instead of sorting every match. */
export function isIndexedOrder(res: ResourceDef, field: string): boolean {
  return Object.hasOwn(res.fields, field) && res.fields[field]!.indexed === true
}

/** The refusal for an unindexed `$orderby` over more than `unindexedOrderRows` matches. */
export function unindexedOrderTooLarge(name: string): Error {
  return tooExpensive(
    `$orderby=${name} has no index; allowed over at most ${ODATA_LIMITS.unindexedOrderRows} matching rows (narrow $filter, or order by an indexed field)`,
  )
}

/** `$top`/`$skip` values: non-negative integers. */
export function pageValue(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalid(`${option} must be a non-negative integer`)
  return value
}
