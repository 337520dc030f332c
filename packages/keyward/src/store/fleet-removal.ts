import type { Kysely } from 'kysely'
import type { Application } from '../core/types.js'
import type { Dialect } from './database.js'
import { type EndedKeys, endOwnedKeys, ownedKeysChunk } from './owned-keys.js'
import type { Database } from './schema.js'

/** What one step of an application's removal did: keys ended (their hashes to evict) and devices removed. */
export interface FleetStep extends EndedKeys {
  devices: number
}

/**
 * One step of application `app`'s removal, in `trx`: up to a chunk of its devices' keys, each with its `key.deleted`
 * event (`owned-keys.ts`), and those devices once they hold none; when it has no device left, up to a chunk of its
 * own keys. `ended` and `devices` both 0: nothing is left but the application's row.
 *
 * The devices' rows are locked `for update` (PostgreSQL) before their keys are read: a key written for one of them
 * holds the row `for share` (`live-owner.ts`), so it commits first and is read here, or waits and finds its device
 * gone. A device row is deleted only when fewer keys than a chunk ended, that is, when it holds none: else its next
 * step would not find the keys left. Actor rows stay, as an organization's do: audit trails name them.
 */
export async function removeFleetStep(
  trx: Kysely<Database>,
  dialect: Dialect,
  app: Pick<Application, 'id' | 'actorId'>,
  now: Date,
): Promise<FleetStep> {
  const limit = ownedKeysChunk(dialect)
  let q = trx.selectFrom('device').select(['id', 'actor_id']).where('application_id', '=', app.id).orderBy('id')
  if (dialect === 'postgres') q = q.forUpdate()
  const devices = await q.limit(limit).execute()
  const actors = devices.length > 0 ? devices.map((d) => d.actor_id) : [app.actorId]
  const r = await endOwnedKeys(trx, dialect, actors, { kind: 'delete' }, now, limit)
  if (devices.length === 0 || r.ended === limit) return { ...r, devices: 0 }
  const ids = devices.map((d) => d.id)
  await trx.deleteFrom('device').where('id', 'in', ids).execute()
  return { ...r, devices: ids.length }
}

/**
 * The application's last step: locks its row (PostgreSQL: a device registered or a key made for it meanwhile
 * commits first, then is read here), ends what the steps before left, and deletes the row. Returns what it ended.
 */
export async function removeFleet(
  trx: Kysely<Database>,
  dialect: Dialect,
  app: Pick<Application, 'id' | 'actorId'>,
  now: Date,
): Promise<FleetStep> {
  const row = trx.selectFrom('application').select('id').where('id', '=', app.id)
  if (dialect === 'postgres') await row.forUpdate().execute()
  const all: FleetStep = { ended: 0, devices: 0, hashes: [] }
  let r: FleetStep
  do {
    r = await removeFleetStep(trx, dialect, app, now)
    all.ended += r.ended
    all.devices += r.devices
    all.hashes.push(...r.hashes)
  } while (r.ended + r.devices > 0)
  await trx.deleteFrom('application').where('id', '=', app.id).execute()
  return all
}
