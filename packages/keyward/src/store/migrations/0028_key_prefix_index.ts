import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'
import { createOnlineIndex, dropOnlineIndex } from '../online-indexes.js'

/**
 * An index on `api_key.key_prefix` for `GET /v1/keys?prefix=` (`keyPrefixStartsWith` in
 * key-search.ts): a prefix match is a range of it. PostgreSQL needs `text_pattern_ops` for `like
 * 'x%'` to use it under a database collation other than C; SQLite serves `glob 'x*'` from a plain
 * (binary) index. Without it, finding the key a log line shows the start of scanned every visible key.
 * On PostgreSQL it is built after the migrations, concurrently (an online index: store/online-indexes.ts).
 */
export function keyPrefixIndex(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await createOnlineIndex(db, dialect, 'api_key_prefix_idx')
    },
    async down(db: Kysely<any>) {
      await dropOnlineIndex(db, 'api_key_prefix_idx')
    },
  }
}
