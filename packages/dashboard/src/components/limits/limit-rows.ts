/** A named limit as typed in an editor row, and its conversion to and from the API's shape. */
import type { NamedLimitInput } from '../../api'
import { typedNumber } from '../../format'

/** One editor row: every number as typed, converted only on submit. */
export interface LimitRow {
  name: string
  limit: string
  window_s: string
  auto_apply: boolean
}

/** A new row: checked on every verification, per minute. */
export const EMPTY_LIMIT_ROW: LimitRow = { name: '', limit: '', window_s: '60', auto_apply: true }

/** The row that shows a stored limit. */
export const limitRowOf = (l: NamedLimitInput): LimitRow => ({
  name: l.name,
  limit: String(l.limit),
  window_s: String(l.window_s),
  auto_apply: l.auto_apply ?? false,
})

/** The API's limit for a row. */
export const limitOfRow = (r: LimitRow): NamedLimitInput => ({
  name: r.name.trim(),
  limit: typedNumber(r.limit),
  window_s: typedNumber(r.window_s),
  auto_apply: r.auto_apply,
})
