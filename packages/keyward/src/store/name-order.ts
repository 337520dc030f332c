import { type RawBuilder, sql } from 'kysely'
import type { Dialect } from './database.js'

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const LOWER = 'abcdefghijklmnopqrstuvwxyz'

/**
 * The order of key names, the same on both stores: ASCII letters folded to lower case, then code points (SQLite's
 * `nocase` is exactly that fold over its binary order; PostgreSQL's `translate` of A–Z, compared under `"C"`). Before,
 * SQLite sorted `Bravo` before `alpha` and PostgreSQL did or did not by its database's locale. Other letters keep their
 * case (a Unicode fold that both stores index alike would need a stored column). The expression is the one
 * `api_key_name_order_idx` indexes (migration 0040), written out in full: PostgreSQL uses an expression index only for
 * the very expression, so the letters are literals, never parameters.
 */
export function nameOrder(dialect: Dialect, value: RawBuilder<unknown> | string = sql.ref('api_key.name')) {
  const v = typeof value === 'string' ? sql.val(value) : value
  return dialect === 'sqlite'
    ? sql<string>`${v} collate nocase`
    : sql<string>`translate(${v}, ${sql.lit(UPPER)}, ${sql.lit(LOWER)}) collate "C"`
}

/** The indexed columns of `api_key_name_order_idx`, per store (`ONLINE_INDEXES`). */
export const NAME_ORDER_COLUMNS = {
  sqlite: '(name collate nocase, id)',
  postgres: `((translate(name, '${UPPER}', '${LOWER}')) collate "C", id)`,
}
