import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * A refused import was recorded as `key.import_refused` until commit a9804ef named it
 * `key.secret_refused` (a create by a chosen secret is refused the same way). `GET /v1/audit?action=`
 * takes only the names the log records now (`core/audit-actions.ts`), so rows under the old name
 * were listed but could not be filtered on (an attacker's find): they take the new name. Only
 * those rows are touched; nothing else in an entry changes.
 */
export function auditActionRename(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await rename(db, 'key.import_refused', 'key.secret_refused')
    },
    // Down is a no-op: the new name's rows cannot be told apart from the renamed ones, and both mean the same.
    async down() {},
  }
}

async function rename(db: Kysely<any>, from: string, to: string): Promise<void> {
  await db.updateTable('audit_event').set({ action: to }).where('action', '=', from).execute()
}
