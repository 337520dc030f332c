import type { Kysely } from 'kysely'
import type { Refill } from '../core/types.js'
import type { Database } from './schema.js'

/** Tables whose rows hold credits: `remaining`, `refill_*`, `last_refill_at`. */
type CreditTable = 'api_key' | 'identity'

/** Credits taken from a row: what is left, and the refill period they were taken from. */
export interface TakenCredits {
  remaining: number
  /** The row's `last_refill_at` when they were taken: a give-back goes only to the same period. */
  period: string | null
}

/**
 * Takes `cost` credits from a row, refilling it first when its refill is due. Each step is
 * one conditional `UPDATE … RETURNING`, so concurrent verifications on any number of nodes
 * never take the count below zero. `cost` 0 checks the row still has a budget and takes
 * nothing. Returns what is left after this use and its period, or null when fewer than `cost` are left.
 */
export async function takeCredits(
  db: Kysely<Database>,
  table: CreditTable,
  id: number,
  now: Date,
  refill: Refill | null,
  cost: number,
): Promise<TakenCredits | null> {
  // A due refill first resets the budget (its own conditional UPDATE: only one node wins it).
  if (refill) {
    const dueBefore = new Date(now.getTime() - refill.interval_s * 1000).toISOString()
    await (db as unknown as Kysely<Pick<Database, 'api_key'>>)
      .updateTable(table as 'api_key')
      .set({
        remaining: refill.amount,
        last_refill_at: now.toISOString(),
        // A key's refill is a new usage budget (`key.usage_low` re-arms); identities keep no budget.
        ...(table === 'api_key' && { usage_budget: refill.amount, usage_budget_at: now.toISOString() }),
      })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_refill_at', 'is', null), eb('last_refill_at', '<=', dueBefore)]))
      .where('remaining', 'is not', null)
      .execute()
  }
  // Both tables have the same credit columns; Kysely is given one of them to type the statement.
  const r = await (db as unknown as Kysely<Pick<Database, 'api_key'>>)
    .updateTable(table as 'api_key')
    .set((eb) => ({ remaining: eb('remaining', '-', cost) }))
    .where('id', '=', id)
    .where('remaining', '>=', cost)
    .returning(['remaining', 'last_refill_at'])
    .executeTakeFirst()
  return r ? { remaining: r.remaining!, period: r.last_refill_at } : null
}
