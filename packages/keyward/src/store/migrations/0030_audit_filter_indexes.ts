import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Indexes for `GET /v1/audit?target_id=&target_type=` (every key page of the dashboard reads its key's
 * entries) and `?action=` (`AuditRepository.list`), each ending in `id` for its newest-first order: a
 * target's entries are one range in id order (with `target_id` alone, one range per type). Without them
 * either filter walked the log backwards from its newest entry until a page matched: over 1,000,000
 * entries, 70–110 ms per key page for a key with few or old entries, growing with the log.
 */
export function auditFilterIndexes(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('audit_target_idx')
        .on('audit_event')
        .columns(['target_id', 'target_type', 'id'])
        .execute()
      await db.schema.createIndex('audit_action_idx').on('audit_event').columns(['action', 'id']).execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('audit_action_idx').execute()
      await db.schema.dropIndex('audit_target_idx').execute()
    },
  }
}
