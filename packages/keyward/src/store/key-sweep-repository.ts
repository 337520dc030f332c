import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { refillIsDue } from '../core/limits.js'
import { appendKeyEvent } from './key-event-repository.js'
import { KeyRepository } from './key-repository.js'
import type { Database } from './schema.js'
import type { Dialect } from './database.js'

/** The scheduled events, computed from key columns rather than caused by a write. */
export type ScheduledEventType = 'key.expiring' | 'key.expired' | 'key.idle' | 'key.usage_low'

/** The thresholds of one sweep, as ISO times. */
export interface SweepBounds {
  now: string
  /** Keys expiring at or before this are `key.expiring`. */
  warnUntil: string
  /** Keys last used (or created, if never) at or before this are `key.idle`. */
  idleSince: string
}

/**
 * Finds keys due a scheduled event and emits each at most once per marker. Invariant: the
 * marker row (primary key: key, type, marker) and the outbox event are written in one
 * transaction, and a marker another node wrote first makes the insert a no-op, so several
 * nodes sweeping at once emit one event (`ON CONFLICT DO NOTHING`, both dialects).
 */
export class KeySweepRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    /**
     * Where `due` reads: the store's read pool (a worker thread on SQLite, the budgeted pool on
     * PostgreSQL). `key.idle` and `key.usage_low` read every live key: 0.7–0.9 s a sweep at
     * 1,000,000 keys, which on SQLite's main connection would hold the event loop once a minute.
     * A reader's snapshot may trail a write; `emit` decides, so a stale answer emits nothing twice.
     */
    private readonly readDb: Kysely<Database> = db,
  ) {}

  /** Up to `limit` keys due `type` and not yet marked, with their marker. */
  async due(type: ScheduledEventType, b: SweepBounds, limit: number): Promise<{ id: number; marker: string }[]> {
    const marker = MARKER[type]
    const rows = await this.readDb
      .selectFrom('api_key')
      .select(['api_key.id', marker.as('marker')])
      .where('api_key.revoked_at', 'is', null)
      .where(() => CONDITION[type](b))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('key_event_marker as m')
              .select('m.key_id')
              .whereRef('m.key_id', '=', 'api_key.id')
              .where('m.type', '=', type)
              .where((m) => m('m.marker', '=', marker)),
          ),
        ),
      )
      .orderBy('api_key.id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ id: r.id, marker: String(r.marker) }))
  }

  /**
   * Marks and emits one event; false when it was already emitted (by this or another node), or
   * needs none: a key's `key.usage_low` once its refill is due (the period that ran low is over, and
   * the event's key would show the refilled count; a reviewer's find) is marked and not sent.
   */
  emit(type: ScheduledEventType, keyId: number, marker: string, now: Date): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .insertInto('key_event_marker')
        .values({ key_id: keyId, type, marker })
        .onConflict((oc) => oc.doNothing())
        .returning('key_id')
        .executeTakeFirst()
      if (!r) return false
      const key = await new KeyRepository(trx, this.dialect).findById(keyId)
      if (!key || (type === 'key.usage_low' && refillIsDue(key, now))) return false
      await appendKeyEvent(trx, type, key, now)
      return true
    })
  }
}

const col = (c: string): RawBuilder<string> => sql<string>`${sql.ref(`api_key.${c}`)}`

/** What makes each event new: a key expiring twice (its expiry moved) warns twice. */
const MARKER: Record<ScheduledEventType, RawBuilder<string>> = {
  'key.expiring': col('expires_at'),
  'key.expired': col('expires_at'),
  'key.idle': sql<string>`coalesce(api_key.last_used_at, api_key.created_at)`,
  // The budget's time (migration 0014); keys from before it keep their old marker, so nothing repeats.
  'key.usage_low': sql<string>`coalesce(api_key.usage_budget_at, api_key.last_refill_at, api_key.created_at)`,
}

const CONDITION: Record<ScheduledEventType, (b: SweepBounds) => Expression<SqlBool>> = {
  'key.expiring': (b) => sql`api_key.expires_at > ${b.now} and api_key.expires_at <= ${b.warnUntil}`,
  'key.expired': (b) => sql`api_key.expires_at <= ${b.now}`,
  'key.idle': (b) => sql`coalesce(api_key.last_used_at, api_key.created_at) <= ${b.idleSince}`,
  // 10 % of what a refill restores, else of the budget the key was given (null before 0014: never low). In bigint:
  // a budget over 2³¹ / 10 overflowed PostgreSQL's integer and failed the sweep for every key (an attacker's find).
  'key.usage_low': () =>
    sql`api_key.remaining is not null and coalesce(api_key.refill_amount, api_key.usage_budget) > 0
      and cast(api_key.remaining as bigint) * 10 <= coalesce(api_key.refill_amount, api_key.usage_budget)`,
}
