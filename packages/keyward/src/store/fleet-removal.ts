import type { Kysely } from 'kysely'
import { KeywardError } from '../core/errors.js'
import type { Application, Device } from '../core/types.js'
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
  await refuseIdentityOwners(trx, { app }) // after the locks: an identity made meanwhile has committed
  const actors = devices.length > 0 ? devices.map((d) => d.actor_id) : [app.actorId]
  const r = await endOwnedKeys(trx, dialect, actors, { kind: 'delete' }, now, limit)
  if (devices.length === 0 || r.ended === limit) return { ...r, devices: 0 }
  const ids = devices.map((d) => d.id)
  const gone = await trx.deleteFrom('device').where('id', 'in', ids).executeTakeFirst()
  return { ...r, devices: Number(gone.numDeletedRows) }
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
  const all: FleetStep = { ended: 0, removed: 0, devices: 0, hashes: [] }
  let r: FleetStep
  do {
    r = await removeFleetStep(trx, dialect, app, now)
    all.ended += r.ended
    all.removed += r.removed
    all.devices += r.devices
    all.hashes.push(...r.hashes)
  } while (r.ended + r.devices > 0)
  await trx.deleteFrom('application').where('id', '=', app.id).execute()
  return all
}

/**
 * One step of device `device`'s removal, in `trx`: its row locked (PostgreSQL, as `removeFleetStep` locks it), up to a
 * chunk of its keys ended, each with its `key.deleted` event, and the row deleted once it holds none (`devices`: 1).
 * A device already gone ends nothing (`ended` and `devices` 0).
 */
export async function removeDeviceStep(
  trx: Kysely<Database>,
  dialect: Dialect,
  device: Pick<Device, 'id' | 'actorId'>,
  now: Date,
): Promise<FleetStep> {
  const limit = ownedKeysChunk(dialect)
  const row = trx.selectFrom('device').select('id').where('id', '=', device.id)
  if (!(await (dialect === 'postgres' ? row.forUpdate() : row).executeTakeFirst())) return NOTHING
  const r = await endOwnedKeys(trx, dialect, [device.actorId], { kind: 'delete' }, now, limit)
  if (r.ended === limit) return { ...r, devices: 0 }
  await refuseIdentityOwners(trx, { deviceActorId: device.actorId })
  await trx.deleteFrom('device').where('id', '=', device.id).execute()
  return { ...r, devices: 1 }
}

const NOTHING: FleetStep = { ended: 0, removed: 0, devices: 0, hashes: [] }

/**
 * Refuses the removal of an application or device that owns an identity (or, an application, whose devices do):
 * such an identity cannot go with it, since keys elsewhere in the organization may obey its limits and credits and
 * unlinking them would lift those (rights never grow); nor can it stay, since no one could see or manage it once its
 * owner is gone (helper-124). The service asks first; every step of the removal asks again.
 */
export async function refuseIdentityOwners(db: Kysely<Database>, owners: OwnersOf): Promise<void> {
  const devices = db.selectFrom('device').select('actor_id')
  const q = db
    .selectFrom('identity')
    .select('id')
    .where((eb) =>
      'deviceActorId' in owners
        ? eb('owner_actor_id', '=', owners.deviceActorId)
        : eb.or([
            eb('owner_actor_id', '=', owners.app.actorId),
            eb('owner_actor_id', 'in', devices.where('application_id', '=', owners.app.id)),
          ]),
    )
  const found = (
    await q
      .orderBy('id')
      .limit(SHOWN_IDENTITIES + 1)
      .execute()
  ).map((r) => r.id)
  if (found.length === 0) return
  const what = 'deviceActorId' in owners ? 'the device owns' : 'the application or one of its devices owns'
  const ids = found.slice(0, SHOWN_IDENTITIES).join(', ') + (found.length > SHOWN_IDENTITIES ? ', …' : '')
  throw new KeywardError('conflict', `${what} identities (${ids}): delete them first (keys elsewhere may obey them)`, {
    details: { identity_ids: found.slice(0, SHOWN_IDENTITIES) },
  })
}

/** How many of those identities a refusal names (the first, by id). */
const SHOWN_IDENTITIES = 10

/** What a removal removes: an application with its devices, or one device. */
export type OwnersOf = { app: Pick<Application, 'id' | 'actorId'> } | { deviceActorId: number }
