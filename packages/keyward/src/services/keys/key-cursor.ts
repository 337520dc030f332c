import { invalid } from '../../core/errors.js'
import { type ApiKey, MAX_ROW_ID } from '../../core/types.js'
import { KEY_SORT_FIELDS, type KeySort, type KeySortField, type KeysetPosition } from '../../store/key-repository.js'

const sortValue: Record<KeySortField, (k: ApiKey) => string | null> = {
  created_at: (k) => k.createdAt,
  name: (k) => k.name,
  last_used_at: (k) => k.lastUsedAt,
  expires_at: (k) => k.expiresAt,
}

/**
 * The longest sort value a cursor may carry, in UTF-16 units: above any the server issues (an
 * imported name may be 255 code points, 510 units; dates are 24). A cursor is the client's text
 * (base64 gets past the URL's NUL check), so its value and id are checked like input.
 */
const MAX_VALUE = 1024

/** The cursor names its sort, so a page of one order is never continued in another. */
export function encodeCursor(sort: KeySort, last: ApiKey): string {
  return Buffer.from(JSON.stringify([sort.field, sort.order, sortValue[sort.field](last), last.id])).toString(
    'base64url',
  )
}

/** The keyset position of a cursor from `encodeCursor`, or 400 when it is not one, or belongs to another sort. */
export function decodeCursor(cursor: string | undefined, sort: KeySort): KeysetPosition | undefined {
  if (cursor === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString())
  } catch {
    parsed = undefined
  }
  if (!Array.isArray(parsed) || parsed.length !== 4)
    throw invalid('cursor is not one this server issued', { field: 'cursor' })
  const [field, order, value, id] = parsed as unknown[]
  if (
    !KEY_SORT_FIELDS.includes(field as KeySortField) ||
    (order !== 'asc' && order !== 'desc') ||
    !(value === null || (typeof value === 'string' && value.length <= MAX_VALUE && !value.includes('\u0000'))) ||
    !Number.isInteger(id) ||
    (id as number) < 1 ||
    (id as number) > MAX_ROW_ID
  ) {
    throw invalid('cursor is not one this server issued', { field: 'cursor' })
  }
  if (field !== sort.field || order !== sort.order) {
    throw invalid(
      `cursor belongs to sort=${field as string}&order=${order}; ask again with that sort or without a cursor`,
      { field: 'cursor' },
    )
  }
  return { value: value, id: id as number }
}
