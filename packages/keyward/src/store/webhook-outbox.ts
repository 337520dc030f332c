import { type Kysely, sql } from 'kysely'
import type { Role } from '../core/types.js'
import type { Dialect } from './database.js'
import { type Configured, configurerGone } from './webhook-configurer.js'
import type { Database, WebhookDeliveryRow } from './schema.js'
import { memberOrgIds, userActors } from './visibility.js'

/** A leased delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: number
  attempts: number
  created_at: string
  url: string
  /** Sealed signing secret (`services/webhooks/secret-box.ts`). */
  secret: string
  /** The sealed secret a rotation replaced, and until when it signs too (null: none). */
  previous_secret: string | null
  previous_secret_expires_at: string | null
  type: string
  data: string
  event_created_at: string
  /** Why it must not be sent now (its owner or configuring key is gone, or the owner may no longer see the key), or null: send it. */
  withheld: string | null
}

/** How one attempt ended, as the delivery row records it. */
export type AttemptOutcome = Pick<
  WebhookDeliveryRow,
  'status' | 'next_attempt_at' | 'response_status' | 'latency_ms' | 'last_error' | 'last_attempt_at'
>

/**
 * The delivery side of the outbox: fan-out of committed `key_event` rows into
 * `webhook_delivery`, and leases on due deliveries. Invariants enforced here:
 * - one fan-out at a time per database (PostgreSQL transaction advisory lock; SQLite has one
 *   writer), so deliveries of one key are created in event order;
 * - a delivery is attempted by one node at a time: claiming sets `lease_until` under
 *   `FOR UPDATE SKIP LOCKED`, and only deliveries whose lease is absent or over are claimed
 *   (a node killed mid-attempt loses its lease when it runs out: at least once);
 * - per webhook and key, only the oldest pending delivery (by event) is claimable: in order.
 */
export class WebhookOutbox {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Fans out up to `limit` undispatched events; returns how many were handled. */
  fanOut(now: string, limit: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') {
        const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(7208130008) as ok`.execute(trx)
        if (!rows[0]?.ok) return 0 // another node is fanning out
      }
      const events = await trx
        .selectFrom('key_event')
        .select(['id', 'type', 'key_id', 'created_at'])
        .where('dispatched_at', 'is', null)
        .orderBy('id')
        .limit(limit)
        .execute()
      if (events.length === 0) return 0
      const ids = events.map((e) => e.id)
      for (const hook of await subscribers(trx)) {
        // A webhook hears of changes made from its creation on, not of a backlog it never asked for.
        const wanted = events
          .filter((e) => hook.events.includes(e.type) && e.created_at >= hook.created_at)
          .map((e) => e.id)
        const visible = wanted.length ? await visibleEvents(trx, hook, wanted) : []
        const rows = events.filter((e) => visible.includes(e.id)).map((e) => pendingDelivery(hook.id, e, now))
        if (rows.length) await trx.insertInto('webhook_delivery').values(rows).execute()
      }
      await trx.updateTable('key_event').set({ dispatched_at: now }).where('id', 'in', ids).execute()
      return events.length
    })
  }

  /** Forgets replaced secrets whose overlap ended (`ExpirySweeper`, with the history): they sign nothing any more. */
  async dropEndedOverlaps(now: string): Promise<number> {
    const r = await this.db
      .updateTable('webhook')
      .set({ previous_secret: null, previous_secret_expires_at: null })
      .where('previous_secret_expires_at', '<=', now)
      .execute()
    return Number(r[0]!.numUpdatedRows)
  }

  /** Leases up to `limit` due deliveries until `leaseUntil`; returns them with their webhook and event. */
  async claim(now: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]> {
    const lock = this.dialect === 'postgres' ? sql`for update of d skip locked` : sql``
    const { rows } = await sql<{ id: number }>`
      update webhook_delivery set lease_until = ${leaseUntil}
      where id in (
        select d.id from webhook_delivery d
        where d.status = 'pending' and d.next_attempt_at <= ${now}
          and (d.lease_until is null or d.lease_until < ${now})
          and not exists (
            select 1 from webhook_delivery e
            where e.webhook_id = d.webhook_id and e.key_id = d.key_id and e.status = 'pending' and e.event_id < d.event_id)
        order by d.event_id limit ${limit} ${lock})
      returning id`.execute(this.db)
    if (rows.length === 0) return []
    const claimed = await this.db
      .selectFrom('webhook_delivery as d')
      .innerJoin('webhook as w', 'w.id', 'd.webhook_id')
      .innerJoin('key_event as e', 'e.id', 'd.event_id')
      .innerJoin('user as u', 'u.id', 'w.user_id')
      .select(['d.id', 'd.attempts', 'd.created_at', 'w.url', 'w.secret', 'e.type', 'e.data', 'e.actor_id'])
      .select(['e.created_at as event_created_at', 'd.event_id', 'w.user_id', 'u.role'])
      .select(['u.deleted_at', 'u.deactivated_at', 'w.configured_by_key_id', 'w.configured_by_user_id'])
      .select(['w.previous_secret', 'w.previous_secret_expires_at', 'w.line_ended_by_key_id'])
      .where(
        'd.id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('d.event_id')
      .execute()
    return withholdGone(this.db, claimed, await configurerGone(this.db, this.dialect, claimed, Date.parse(now)))
  }

  /** Ends a leased delivery unsent (`ClaimedDelivery.withheld`): failed with the reason, no attempt counted. */
  async withhold(id: number, reason: string, now: string): Promise<void> {
    await this.db
      .updateTable('webhook_delivery')
      .set({ status: 'failed', last_error: reason, last_attempt_at: now, lease_until: null })
      .where('id', '=', id)
      .execute()
  }

  /** Records an attempt and ends the lease. */
  async finish(id: number, outcome: AttemptOutcome): Promise<void> {
    await this.db
      .updateTable('webhook_delivery')
      .set((eb) => ({ ...outcome, attempts: eb('attempts', '+', 1), lease_until: null }))
      .where('id', '=', id)
      .execute()
  }

  /**
   * Deletes up to `limit` deliveries that ended (succeeded or failed) and were last due before
   * `before`; a pending one stays whatever its age (it ends within the retry window). Served by
   * `webhook_delivery_due_idx (status, next_attempt_at)`: a range read, not a table scan.
   */
  async pruneDeliveries(before: string, limit: number): Promise<number> {
    const r = await this.db
      .deleteFrom('webhook_delivery')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('webhook_delivery')
          .select('id')
          .where('status', 'in', ['succeeded', 'failed'])
          .where('next_attempt_at', '<', before)
          .limit(limit),
      )
      .executeTakeFirst()
    return Number(r.numDeletedRows)
  }

  /**
   * Deletes up to `limit` events fanned out before `before` that no delivery refers to any more
   * (an undispatched event is never deleted, so no webhook misses one). Served by
   * `key_event_undispatched_idx (dispatched_at, id)` and `webhook_delivery_event (event_id)`.
   */
  async pruneEvents(before: string, limit: number): Promise<number> {
    const r = await this.db
      .deleteFrom('key_event')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('key_event as e')
          .select('e.id')
          .where('e.dispatched_at', '<', before)
          .where((w) =>
            w.not(w.exists(w.selectFrom('webhook_delivery as d').select('d.id').whereRef('d.event_id', '=', 'e.id'))),
          )
          .limit(limit),
      )
      .executeTakeFirst()
    return Number(r.numDeletedRows)
  }

  /** Gives up leases without counting an attempt (shutdown): another node, or the next start, takes them. */
  async release(ids: number[]): Promise<void> {
    if (ids.length)
      await this.db.updateTable('webhook_delivery').set({ lease_until: null }).where('id', 'in', ids).execute()
  }
}

interface Subscriber {
  id: number
  events: string[]
  user_id: number
  created_at: string
  actor_id: number
  role: Role
}

async function subscribers(db: Kysely<Database>): Promise<Subscriber[]> {
  const rows = await db
    .selectFrom('webhook as w')
    .innerJoin('user as u', 'u.id', 'w.user_id')
    .select(['w.id', 'w.events', 'w.user_id', 'w.created_at', 'u.actor_id', 'u.role'])
    // A deleted user (a tombstone, migration 0012) or a deactivated one may see nothing: their webhooks stay
    // (for audit, or for a reactivation), silent. Deliveries queued before are withheld at send (`withholdGone`).
    .where('u.deleted_at', 'is', null)
    .where('u.deactivated_at', 'is', null)
    .execute()
  return rows.map((r) => ({ ...r, events: JSON.parse(r.events) as string[] }))
}

/** A claimed row with what deciding whether it may still be sent needs. */
type ClaimedRow = Omit<ClaimedDelivery, 'withheld'> & {
  event_id: number
  actor_id: number | null
  user_id: number
  role: Role
  deleted_at: string | null
  deactivated_at: string | null
} & Configured

/**
 * The send-time half of the fan-out's rule (`subscribers`, `visibleEvents`): a delivery queued
 * before its webhook's owner was deleted or deactivated, or before they lost sight of the key (left
 * the organization, demoted), is withheld with the reason; so is any delivery, a test event's too,
 * of a webhook whose configurer could not configure it now (`configurerGone`). A member's copy
 * names `created_by_key_id` only if they may see that key (`hideCreators`). At most two
 * visibility queries per member owner in the batch (≤ 16 deliveries), and two for configurers.
 */
async function withholdGone(
  db: Kysely<Database>,
  rows: ClaimedRow[],
  configurerGone: (r: ClaimedRow) => string | null,
): Promise<ClaimedDelivery[]> {
  const unseen = new Set<number>()
  const rewritten = new Map<number, string>()
  for (const userId of new Set(rows.filter((r) => r.role !== 'admin').map((r) => r.user_id))) {
    const mine = rows.filter((r) => r.user_id === userId && r.actor_id !== null)
    const hook = { user_id: userId, role: 'member' as const }
    const seen = mine.length
      ? new Set(
          await visibleEvents(
            db,
            hook,
            mine.map((r) => r.event_id),
          ),
        )
      : new Set<number>()
    for (const r of mine) if (!seen.has(r.event_id)) unseen.add(r.id)
    for (const [id, data] of await hideCreators(db, userId, mine)) rewritten.set(id, data)
  }
  return rows.map((r) => ({
    ...delivered(r),
    data: rewritten.get(r.id) ?? r.data,
    withheld: r.deleted_at
      ? "not sent: the webhook's owner was deleted"
      : r.deactivated_at
        ? "not sent: the webhook's owner is deactivated"
        : (configurerGone(r) ?? (unseen.has(r.id) ? "not sent: the webhook's owner can no longer see this key" : null)),
  }))
}

/** What a claimed row sends: the delivery, without what deciding whether to send it read. */
function delivered(r: ClaimedRow): Omit<ClaimedDelivery, 'withheld'> {
  const { id, attempts, created_at, url, secret, previous_secret, previous_secret_expires_at } = r
  const { type, data, event_created_at } = r
  return {
    id,
    attempts,
    created_at,
    url,
    secret,
    previous_secret,
    previous_secret_expires_at,
    type,
    data,
    event_created_at,
  }
}

/**
 * The event bodies of member `userId`'s deliveries whose `created_by_key_id` names a key the
 * member may not see, rewritten with null (the rule of `visibleKeyIds`, store/visibility.ts, with
 * the webhook owner's `userActors`): by delivery id; the others are sent as stored.
 */
async function hideCreators(db: Kysely<Database>, userId: number, rows: ClaimedRow[]): Promise<Map<number, string>> {
  const parsed = rows.map((r) => ({ r, data: JSON.parse(r.data) as { created_by_key_id?: number | null } }))
  const named = parsed.filter((x) => typeof x.data.created_by_key_id === 'number')
  if (named.length === 0) return new Map()
  const ids = [...new Set(named.map((x) => x.data.created_by_key_id!))]
  const seen = await db
    .selectFrom('api_key')
    .select('id')
    .where('id', 'in', ids)
    .where('actor_id', 'in', userActors(db, userId))
    .execute()
  const visible = new Set(seen.map((k) => k.id))
  const hidden = named.filter((x) => !visible.has(x.data.created_by_key_id!))
  return new Map(hidden.map((x) => [x.r.id, JSON.stringify({ ...x.data, created_by_key_id: null })]))
}

/**
 * Of `eventIds`, those about keys the webhook's owner may see now (`userActors`, the member branch of `visibleActors`,
 * mirrored by `canSeeOwner`), or about keys of an organization they belong to now (`memberOrgIds`): the second is
 * how a member hears of the keys of a deleted application or device, whose rows went with the keys (migration 0039).
 */
async function visibleEvents(
  db: Kysely<Database>,
  hook: Pick<Subscriber, 'user_id' | 'role'>,
  eventIds: number[],
): Promise<number[]> {
  let q = db.selectFrom('key_event').select('id').where('id', 'in', eventIds)
  if (hook.role !== 'admin')
    q = q.where((eb) =>
      eb.or([
        eb('actor_id', 'in', userActors(db, hook.user_id)),
        eb('organization_id', 'in', memberOrgIds(db, hook.user_id)),
      ]),
    )
  return (await q.execute()).map((r) => r.id)
}

/** A new delivery of event `e` to a webhook, due now. */
export function pendingDelivery(webhookId: number, e: { id: number; key_id: number | null }, now: string) {
  return {
    webhook_id: webhookId,
    event_id: e.id,
    key_id: e.key_id,
    status: 'pending' as const,
    next_attempt_at: now,
    lease_until: null,
    last_attempt_at: null,
    response_status: null,
    latency_ms: null,
    last_error: null,
    created_at: now,
  }
}
