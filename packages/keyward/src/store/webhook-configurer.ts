import type { Kysely } from 'kysely'
import { webhookConfigurerLapse } from '../core/authz.js'
import type { Dialect } from './database.js'
import { KeyRepository } from './key-repository.js'
import type { Database } from './schema.js'

/** A claimed delivery's webhook: its owner, and who configured it (migration 0020; null before it). */
export interface Configured {
  user_id: number
  configured_by_user_id: number | null
  configured_by_key_id: number | null
  line_ended_by_key_id: number | null
}

/**
 * Reads what `webhookConfigurerLapse` (core/authz.ts, the rule) needs for a batch of claimed
 * deliveries — each configurer's user and key, in two queries — and returns, for each delivery of
 * `rows`, why it must not be sent, or null.
 */
export async function configurerGone(
  db: Kysely<Database>,
  dialect: Dialect,
  rows: readonly Configured[],
  nowMs: number,
): Promise<(r: Configured) => string | null> {
  const keyIds = [...new Set(rows.flatMap((r) => r.configured_by_key_id ?? []))]
  const userIds = [...new Set(rows.flatMap((r) => (isOthers(r) ? [r.configured_by_user_id!] : [])))]
  const keys = new Map((await new KeyRepository(db, dialect).findByIds(keyIds)).map((k) => [k.id, k]))
  const users = userIds.length
    ? await db
        .selectFrom('user')
        .select(['id', 'role', 'deactivated_at', 'deleted_at'])
        .where('id', 'in', userIds)
        .execute()
    : []
  const byId = new Map(users.map((u) => [u.id, u]))
  return (r) =>
    webhookConfigurerLapse(
      {
        ownerUserId: r.user_id,
        userId: r.configured_by_user_id,
        user: r.configured_by_user_id === null ? undefined : byId.get(r.configured_by_user_id),
        keyId: r.configured_by_key_id,
        key: r.configured_by_key_id === null ? undefined : keys.get(r.configured_by_key_id),
        lineEndedBy: r.line_ended_by_key_id,
      },
      nowMs,
    )
}

/** Configured by someone other than its owner (the owner's own state is checked with the owner). */
const isOthers = (r: Configured) => r.configured_by_user_id !== null && r.configured_by_user_id !== r.user_id
