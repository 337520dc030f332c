import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * The usage budget a key was given (DESIGN.md, "Scheduled key events"): `usage_budget` is
 * `remaining` as set on create, import or PATCH, or the refill amount when a refill applied;
 * `usage_budget_at` is when. `key.usage_low` fires once per budget when `remaining` falls to
 * 10 % of it (of the refill amount, for keys with a refill). Keys created before this
 * migration keep both null: their initial value was never stored and `remaining` has since
 * been spent, so no honest value exists; they get one the next time `remaining` is set.
 * Keys with a refill lose nothing: their threshold is the refill amount, as before.
 */
export function usageBudget(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_key').addColumn('usage_budget', 'integer').execute()
      await db.schema.alterTable('api_key').addColumn('usage_budget_at', 'text').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('api_key').dropColumn('usage_budget_at').execute()
      await db.schema.alterTable('api_key').dropColumn('usage_budget').execute()
    },
  }
}
