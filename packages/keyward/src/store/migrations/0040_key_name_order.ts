import type { Migration } from 'kysely'
import type { Dialect } from '../database.js'
import { onlineIndexMigration } from '../online-indexes.js'

/**
 * An index on the order `GET /v1/keys?sort=name` lists names in (`nameOrder` in name-order.ts: ASCII letters folded,
 * then code points, alike on both stores), with the id that breaks ties and positions a cursor: a page stays a range
 * of an index. `api_key_name_idx` (0005) stays for OData's `$orderby=name`, whose order this leaves as it was.
 * On PostgreSQL it is built after the migrations, concurrently (an online index: store/online-indexes.ts).
 */
export const keyNameOrder = (dialect: Dialect): Migration => onlineIndexMigration(dialect, 'api_key_name_order_idx')
