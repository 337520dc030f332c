import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'
import { createOnlineIndex, dropOnlineIndex } from '../online-indexes.js'

/**
 * Indexes for `GET /v1/audit?target_id=&target_type=` (every key page of the dashboard reads its key's
 * entries) and `?action=` (`AuditRepository.list`), each ending in `id` for its newest-first order: a
 * target's entries are one range in id order (with `target_id` alone, one range per type). Without them
 * either filter walked the log backwards from its newest entry until a page matched: over 1,000,000
 * entries, 70–110 ms per key page for a key with few or old entries, growing with the log.
 * On PostgreSQL it is built after the migrations, concurrently (an online index: store/online-indexes.ts).
 */
export function auditFilterIndexes(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await createOnlineIndex(db, dialect, 'audit_target_idx')
      await createOnlineIndex(db, dialect, 'audit_action_idx')
    },
    async down(db: Kysely<any>) {
      await dropOnlineIndex(db, 'audit_action_idx')
      await dropOnlineIndex(db, 'audit_target_idx')
    },
  }
}
