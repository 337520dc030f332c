import { type Kysely, type Migration, sql } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * An index on `api_key.key_prefix` for `GET /v1/keys?prefix=` (`keyPrefixStartsWith` in
 * key-search.ts): a prefix match is a range of it. PostgreSQL needs `text_pattern_ops` for `like
 * 'x%'` to use it under a database collation other than C; SQLite serves `glob 'x*'` from a plain
 * (binary) index. Without it, finding the key a log line shows the start of scanned every visible key.
 */
export function keyPrefixIndex(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      const ops = dialect === 'postgres' ? sql.raw(' text_pattern_ops') : sql.raw('')
      await sql`create index api_key_prefix_idx on api_key (key_prefix${ops})`.execute(db)
    },
    async down(db: Kysely<any>) {
      await sql`drop index api_key_prefix_idx`.execute(db)
    },
  }
}
