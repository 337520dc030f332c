import { type Kysely, sql } from 'kysely'
import { refillDueBefore } from '../core/limits.js'
import type { Refill } from '../core/types.js'
import type { Database } from './schema.js'

/** Tables whose rows hold credits: `remaining`, `refill_*`, `last_refill_at`. */
type CreditTable = 'api_key' | 'identity'

/** Credits taken from an identity: what is left, and the credits epoch they were taken in. */
export interface TakenCredits {
  remaining: number
  /** The identity's `credits_epoch` when they were taken: a give-back goes only to the same epoch. */
  epoch: number
}

/*
 * Taking credits, for keys and identities alike: a due refill first resets the budget (its own
 * conditional UPDATE: only one node wins it), then one conditional `UPDATE … WHERE remaining >= cost
 * RETURNING` takes them, so concurrent verifications on any number of nodes never take the count
 * below zero. `cost` 0 checks the row still has a budget and takes nothing. Null: fewer than `cost`
 * are left.
 */

/** Takes `cost` of a key's `remaining` (above); what is left after this use. */
export async function takeKeyCredits(
  db: Kysely<Database>,
  id: number,
  now: Date,
  refill: Refill | null,
  cost: number,
): Promise<number | null> {
  if (refill) await refillKeyIfDue(db, id, now, refill)
  const r = await db
    .updateTable('api_key')
    .set((eb) => ({ remaining: eb('remaining', '-', cost) }))
    .where('id', '=', id)
    .where('remaining', '>=', cost)
    .returning('remaining')
    .executeTakeFirst()
  return r ? r.remaining : null
}

/** Takes `cost` of an identity's credits (above); what is left, and in which epoch. */
export async function takeIdentityCredits(
  db: Kysely<Database>,
  id: number,
  now: Date,
  refill: Refill | null,
  cost: number,
): Promise<TakenCredits | null> {
  if (refill) await refillIdentityIfDue(db, id, now, refill)
  const r = await db
    .updateTable('identity')
    .set((eb) => ({ remaining: eb('remaining', '-', cost) }))
    .where('id', '=', id)
    .where('remaining', '>=', cost)
    .returning(['remaining', 'credits_epoch'])
    .executeTakeFirst()
  return r ? { remaining: r.remaining!, epoch: r.credits_epoch } : null
}

/**
 * Applies a key's refill if it is due (`refillIfDue`): at a verification, and before a PATCH of the
 * key's credits (KeyService.update). A key's refill is a new usage budget (`key.usage_low` re-arms).
 */
export function refillKeyIfDue(db: Kysely<Database>, id: number, now: Date, refill: Refill): Promise<void> {
  return refillIfDue(db, 'api_key', id, now, refill, {
    usage_budget: refill.amount,
    usage_budget_at: now.toISOString(),
  })
}

/**
 * Applies an identity's refill if it is due, as `refillKeyIfDue`. A refill sets the count anew: a
 * give-back of a credit taken before it must not land on top (a new credits epoch).
 */
export function refillIdentityIfDue(db: Kysely<Database>, id: number, now: Date, refill: Refill): Promise<void> {
  return refillIfDue(db, 'identity', id, now, refill, { credits_epoch: sql`credits_epoch + 1` })
}

/**
 * Resets `remaining` to the refill amount when a refill is due, setting `also` with it; only while
 * the row still has the refill the caller read (`refill` may be a verification's cached copy, or a
 * PATCH's read): an admin's cut-off (`remaining: 0, refill: null`) was otherwise refilled to the old
 * amount by a verification that read the settings before it, and two PATCHes that both read a
 * refill as due each applied it (reviewers' finds). One conditional UPDATE: only one caller wins.
 */
async function refillIfDue(
  db: Kysely<Database>,
  table: CreditTable,
  id: number,
  now: Date,
  refill: Refill,
  also: object,
): Promise<void> {
  const dueBefore = refillDueBefore(refill, now)
  // Both tables have the same credit columns; Kysely is given one of them to type the statement.
  await (db as unknown as Kysely<Pick<Database, 'api_key'>>)
    .updateTable(table as 'api_key')
    .set({ remaining: refill.amount, last_refill_at: now.toISOString(), ...also })
    .where('id', '=', id)
    .where('refill_amount', '=', refill.amount)
    .where('refill_interval_s', '=', refill.interval_s)
    .where((eb) => eb.or([eb('last_refill_at', 'is', null), eb('last_refill_at', '<=', dueBefore)]))
    .where('remaining', 'is not', null)
    .execute()
}
