import type { Kysely } from 'kysely'
import { keyView } from '../core/key-view.js'
import type { ApiKey } from '../core/types.js'
import type { Database } from './schema.js'

/** Events about a key that webhooks can subscribe to. `webhook.test` is sent only by `POST …/test`. */
export const KEY_EVENT_TYPES = [
  'key.created',
  'key.updated',
  'key.disabled',
  'key.enabled',
  'key.rolled',
  'key.revoked',
  'key.deleted',
  'key.leaked',
  'key.expiring',
  'key.expired',
  'key.idle',
  'key.usage_low',
] as const
export type KeyEventType = (typeof KEY_EVENT_TYPES)[number]

/**
 * Appends an event to the outbox. `db` must be the transaction that wrote the change
 * (invariant: an event row exists iff its change committed — `KeyService.recorded`).
 * `data` is the key's listing view, so no secret or hash can reach a webhook.
 */
export function appendKeyEvent(db: Kysely<Database>, type: KeyEventType, key: ApiKey, now: Date): Promise<void> {
  return appendKeyEvents(db, type, [key], now)
}

/** `appendKeyEvent` for many keys changed by one write (an owner's keys ending with it): one INSERT. */
export async function appendKeyEvents(
  db: Kysely<Database>,
  type: KeyEventType,
  keys: readonly ApiKey[],
  now: Date,
): Promise<void> {
  if (keys.length === 0) return
  const at = now.toISOString()
  const orgs = await organizationsOf(db, [...new Set(keys.map((k) => k.actorId))])
  await db
    .insertInto('key_event')
    .values(
      keys.map((key) => ({
        type,
        key_id: key.id,
        actor_id: key.actorId,
        organization_id: orgs.get(key.actorId) ?? null,
        data: JSON.stringify(keyView(key, now)),
        created_at: at,
        dispatched_at: null,
      })),
    )
    .execute()
}

/**
 * The organization each owner actor belongs to (an organization itself, its applications, their devices; a person:
 * none), read in the event's transaction, before a removal deletes the rows that tell it (migration 0039).
 */
async function organizationsOf(db: Kysely<Database>, actorIds: number[]): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('organization')
    .select(['actor_id', 'id as organization_id'])
    .where('actor_id', 'in', actorIds)
    .unionAll(db.selectFrom('application').select(['actor_id', 'organization_id']).where('actor_id', 'in', actorIds))
    .unionAll(
      db
        .selectFrom('device')
        .innerJoin('application', 'application.id', 'device.application_id')
        .select(['device.actor_id', 'application.organization_id'])
        .where('device.actor_id', 'in', actorIds),
    )
    .execute()
  return new Map(rows.map((r) => [r.actor_id, r.organization_id]))
}
