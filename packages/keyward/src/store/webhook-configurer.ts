import type { Kysely } from 'kysely'
import { UNBOUNDED, WEBHOOK_CONFIGURING_SCOPES, boundsOfKey, excessBounds } from '../core/authz.js'
import { keyStatusAt, missingScopes } from '../core/policy.js'
import type { ApiKey } from '../core/types.js'
import type { Dialect } from './database.js'
import { KeyRepository } from './key-repository.js'
import type { Database } from './schema.js'

/** A claimed delivery's webhook: its owner, and who configured it (migration 0020; null before it). */
export interface Configured {
  user_id: number
  configured_by_user_id: number | null
  configured_by_key_id: number | null
}

interface ConfigurerUser {
  id: number
  role: string
  deactivated_at: string | null
  deleted_at: string | null
}

/**
 * The send-time half of `requireMayConfigureWebhook` (core/authz.ts): a webhook delivers only
 * while whoever configured it could configure it now. Their user may still manage the owner's
 * webhooks — themselves, or an active admin: `canManageWebhook` for a user owner, read from the
 * store — and the key, if a key did it, is `active` by the status verify answers with, still
 * holds `keys:read` and `webhooks:write`, and has no bounds of its own. Without the first, an admin demoted or deactivated kept
 * a webhook they made for someone else sending that person's key events where they chose (found
 * by an attacker). Returns, for each delivery of `rows`, why it must not be sent, or null.
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
  return (r) => (isOthers(r) ? userGone(byId.get(r.configured_by_user_id!)) : null) ?? keyGone(r, keys, nowMs)
}

/** Configured by someone other than its owner (the owner's own state is checked with the owner). */
const isOthers = (r: Configured) => r.configured_by_user_id !== null && r.configured_by_user_id !== r.user_id

function userGone(u: ConfigurerUser | undefined): string | null {
  const who = 'not sent: whoever configured this webhook for its owner'
  if (!u || u.deleted_at !== null) return `${who} was deleted`
  if (u.deactivated_at !== null) return `${who} is deactivated`
  return u.role === 'admin' ? null : `${who} is no longer an administrator`
}

function keyGone(r: Configured, keys: Map<number, ApiKey>, nowMs: number): string | null {
  if (r.configured_by_key_id === null) return null
  const was = 'not sent: the key that configured this webhook'
  const key = keys.get(r.configured_by_key_id)
  if (!key) return `${was} was deleted`
  const status = keyStatusAt(key, nowMs)
  if (status !== 'active') return `${was} is ${status}`
  const lacks = key.scopes.length > 0 ? missingScopes(key.scopes, WEBHOOK_CONFIGURING_SCOPES) : []
  if (lacks.length) return `${was} no longer holds ${lacks.join(' and ')}`
  // Given a limit since (an admin's PATCH), it could configure none now (`requireUnbounded`).
  return excessBounds(boundsOfKey(key), UNBOUNDED) === null ? null : `${was} has limits of its own now`
}
