import odataParser from '@balena/odata-parser'
import { hasCalendarDay } from '../../../core/clock.js'
import { KeywardError, invalid } from '../../../core/errors.js'
import { checkTermsBeforeParsing } from '../../../store/odata/limits.js'
import { resourceDef } from '../../../store/odata/model.js'
import type { Bind, ODataRequest, QueryOptions, RowKey } from '../../../store/odata/request.js'
import { MAX_ROW_ID } from '../../../core/types.js'

// A CommonJS module whose named exports Node's ESM loader cannot see.
const { parse } = odataParser

/** Query parameters that are not OData options (credentials), left out of parsing. */
const NOT_ODATA = new Set(['apikey'])
const KNOWN_OPTIONS = new Set(['$filter', '$select', '$expand', '$orderby', '$top', '$skip'])

/** What the parser's `Process` rule gives for a resource path (the library types it `any`). */
interface ProcessTree {
  resource: string
  property?: unknown
  link?: unknown
  key?: unknown
  count?: boolean
  options?: unknown
}

/**
 * Parses `/<resource>[(<key>)][/$count]` and its options with `@balena/odata-parser`,
 * the parser balena itself runs. `path` is the raw path after `/v7`; `query` the
 * already split and decoded parameters. Every failure is a 400 naming the part.
 */
export function parseODataRequest(path: string, query: ReadonlyMap<string, string>): ODataRequest {
  const parts: string[] = []
  for (const [name, value] of query) {
    if (NOT_ODATA.has(name)) continue
    if (!KNOWN_OPTIONS.has(name)) throw invalid(`query option "${name}" is not supported`)
    checkParentheses(name, value)
    checkTermsBeforeParsing(name, value)
    checkCalendarDays(value)
    // The values are decoded; re-escape only what the parser would split on or decode again.
    parts.push(`${name}=${value.replace(/%/g, '%25').replace(/&/g, '%26').replace(/#/g, '%23')}`)
  }
  let parsed: { tree: ProcessTree; binds: ReturnType<typeof parse>['binds'] }
  try {
    parsed = parse(parts.length > 0 ? `${path}?${parts.join('&')}` : path, { startRule: 'Process' })
  } catch (e) {
    throw invalid(`malformed OData request: ${(e as Error).message}`)
  }
  const { tree, binds } = parsed
  const def = resourceDef(String(tree.resource))
  if (!def) throw new KeywardError('not_found', `unknown resource "${String(tree.resource)}"`)
  if (tree.property || tree.link)
    throw invalid('navigating from a resource path (e.g. api_key(5)/is_of__actor) is not supported; use $expand')
  return {
    resource: tree.resource as ODataRequest['resource'], // a known name: resourceDef found it
    key: rowKey(tree.key, binds as unknown as Bind[], def.alternateKeys),
    count: tree.count === true,
    options: (tree.options ?? {}) as QueryOptions,
    binds: binds as unknown as Bind[],
  }
}

/** The parser hands dates over as `Date`s, February 30th already rolled into March: checked in the text. */
function checkCalendarDays(value: string): void {
  for (const [, text] of value.matchAll(/datetime'([^']*)'/gi))
    if (!hasCalendarDay(text!)) throw invalid(`invalid datetime literal: the month has no such day ('${text}')`)
}

/** A clear message for the most common typo (seed 002 prints one `)` too many). */
function checkParentheses(name: string, value: string): void {
  let depth = 0
  let quoted = false
  for (const c of value) {
    if (c === "'") quoted = !quoted
    else if (!quoted && c === '(') depth++
    else if (!quoted && c === ')' && --depth < 0)
      throw invalid(`${name} has an unbalanced parenthesis: a ")" closes nothing`)
  }
  if (depth > 0) throw invalid(`${name} has an unbalanced parenthesis: ${depth} "(" not closed`)
}

function rowKey(key: unknown, binds: Bind[], alternates: string[]): RowKey | null {
  if (key === undefined) return null
  const ref = key as Record<string, { bind: number }> & { bind?: number }
  if (typeof ref.bind === 'number') {
    const b = binds[ref.bind]
    const v =
      b && (b[0] === 'Real' || b[0] === 'Integer')
        ? b[1]
        : b && b[0] === 'Text' && /^\d{1,10}$/.test(b[1])
          ? Number(b[1])
          : Number.NaN
    if (!Number.isSafeInteger(v) || v > MAX_ROW_ID) throw invalid('the id in the path must be an integer')
    return { field: 'id', value: v }
  }
  const names = Object.keys(ref)
  const field = names[0]
  if (names.length !== 1 || !field || !alternates.includes(field))
    throw invalid(`a row cannot be addressed by ${names.join(', ') || 'that key'}`)
  const b = binds[ref[field]!.bind]
  if (!b || b[0] !== 'Text' || b[1].includes('\u0000'))
    throw invalid(`${field} in the path must be a quoted string without NUL`)
  return { field, value: b[1].toLowerCase() }
}
