import type { Kysely, Migration } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * `user.keys_announced_through`: where the announcement of a deactivation or reactivation has got
 * to. A person's (de)activation changes the status of every key they are responsible for without
 * a write to those keys (DESIGN.md, "Deactivation is a status of the responsible user"), so a
 * webhook-fed mirror heard nothing. The change sets it to 0 in its own transaction; each chunk of
 * keys announced (`key.disabled` / `key.enabled`) moves it to the chunk's last key id in the
 * chunk's transaction; null once every key is announced (and for every user before this
 * migration: nothing owed). Durable like a deletion's `keys_ended_at`: a node that dies between
 * chunks leaves the rest to the sweeper.
 */
export function keyStatusAnnouncement(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('user').addColumn('keys_announced_through', 'integer').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('user').dropColumn('keys_announced_through').execute()
    },
  }
}
