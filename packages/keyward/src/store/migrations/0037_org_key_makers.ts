import { type Kysely, type Migration, sql } from 'kysely'

/** Rounds at most: one per key made by a key made by an organization key… (`import-lookups.ts` MAKER_DEPTH). */
const MAX_ROUNDS = 64

/**
 * A key made by an organization's own key recorded the organization as its creator
 * (`created_by_actor_id`), and an organization key managed every organization key so recorded: a
 * member's key took the owner's key's products (helper-118). Such keys now record the person behind
 * the key that made them (`authz.creatorActorOf`). This gives the keys made before the same record:
 * the creator of the key that made each (its `created_by_key_id`), one level of the chain per round,
 * from the keys people made down; null where the chain reaches no person (the making key deleted),
 * so only the organization's admins manage that key. Nothing else in a row changes.
 */
export function orgKeyMakers(): Migration {
  return {
    async up(db: Kysely<any>) {
      for (let round = 0; round < MAX_ROUNDS && (await takeMakersCreator(db)) > 0; round++);
      await sql`update api_key set created_by_actor_id = null
        where created_by_actor_id in (select actor_id from organization)`.execute(db)
    },
    // Down is a no-op: the code before it grants no more on the person's record (no organization key manages
    // those keys then; the person's own session does, as keys they made).
    async down() {},
  }
}

/** Keys recorded as an organization's whose making key records a person: they take that person. Returns how many. */
async function takeMakersCreator(db: Kysely<any>): Promise<number> {
  const r = await sql`update api_key set created_by_actor_id = (
      select p.created_by_actor_id from api_key p where p.id = api_key.created_by_key_id)
    where created_by_actor_id in (select actor_id from organization)
      and exists (select 1 from api_key p where p.id = api_key.created_by_key_id
        and p.created_by_actor_id is not null
        and p.created_by_actor_id not in (select actor_id from organization))`.execute(db)
  return Number(r.numAffectedRows ?? 0n)
}
