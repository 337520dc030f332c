import { type Kysely, sql } from 'kysely'
import { KeywardError, notFound } from '../core/errors.js'
import { fleetSlug } from '../core/fleet-slug.js'
import { type Maker, type Origin, isSecret } from '../core/producer.js'
import type { ActorKind, Application, Device, Owner, Principal, Role, User } from '../core/types.js'
import type { Dialect } from './database.js'
import {
  type FleetStep,
  type OwnersOf,
  refuseIdentityOwners,
  removeDeviceStep,
  removeFleet,
  removeFleetStep,
} from './fleet-removal.js'
import { passwordLineOf, recordPasswordOrigins } from './key-origins.js'
import { requireLiveProducer } from './live-producer.js'
import { freePersonalHandle, insertOrganization } from './org-repository.js'
import type { ApplicationRow, Database, DeviceRow, UserRow } from './schema.js'

export const rowToUser = (r: UserRow): User => ({
  id: r.id,
  actorId: r.actor_id,
  email: r.email,
  username: r.username,
  role: r.role,
  createdAt: r.created_at,
  deactivatedAt: r.deactivated_at,
})
export const rowToApplication = (r: ApplicationRow): Application => ({
  id: r.id,
  actorId: r.actor_id,
  uuid: r.uuid,
  slug: r.slug,
  name: r.name,
  ownerUserId: r.owner_user_id,
  organizationId: r.organization_id,
  createdAt: r.created_at,
})
export const rowToDevice = (r: DeviceRow): Device => ({
  id: r.id,
  actorId: r.actor_id,
  uuid: r.uuid,
  name: r.name,
  applicationId: r.application_id,
  registeredWithKeyId: r.registered_with_key_id,
  createdAt: r.created_at,
})

/** A user to store: its password already hashed (`UserService.prepare`). */
export interface NewUser {
  email: string
  username: string
  passwordHash: string
  role: Role
  at: string
  /**
   * What chose the password: a key's secret (`UserTable.password_set_by_key_id`), or a login whose password a key
   * chose (its line, `key-origins.ts` invariant 7); absent: neither did.
   */
  passwordSetBy?: Origin | null
}

async function newActor(trx: Kysely<Database>, kind: ActorKind, at: string): Promise<number> {
  const a = await trx.insertInto('actor').values({ kind, created_at: at }).returning('id').executeTakeFirstOrThrow()
  return a.id
}

/**
 * Stores a user, its actor and its personal organization (issue 14: every user gets one at sign-up,
 * as balena does) in `trx`: a transaction, the caller's (an accepted invitation's) or `createUser`'s.
 */
export async function insertUser(trx: Kysely<Database>, u: NewUser): Promise<User> {
  const actorId = await newActor(trx, 'user', u.at)
  const r = await trx
    .insertInto('user')
    .values({
      actor_id: actorId,
      email: u.email,
      username: u.username,
      password_hash: u.passwordHash,
      password_set_by_key_id: u.passwordSetBy && isSecret(u.passwordSetBy) ? u.passwordSetBy.keyId : null,
      role: u.role,
      created_at: u.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  if (u.passwordSetBy) await recordPasswordOrigins(trx, r.id, u.passwordSetBy)
  const handle = await freePersonalHandle(trx, u.username)
  await insertOrganization(trx, { handle, name: u.username, ownerUserId: r.id, personal: true, at: u.at })
  return rowToUser(r)
}

/** Users, applications and devices: the actors that own keys. */
export class ActorRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Stores a user; one whose password a key (or a login of a key's line) chose only while that is live (`requireLiveProducer`). */
  async createUser(u: NewUser & { passwordSetBy?: Maker | null }): Promise<User> {
    return this.db.transaction().execute(async (trx) => {
      if (u.passwordSetBy) await requireLiveProducer(trx, this.dialect, u.passwordSetBy)
      return insertUser(trx, u)
    })
  }

  async countUsers(): Promise<number> {
    const r = await this.db
      .selectFrom('user')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(r.n)
  }

  async findUserById(id: number): Promise<User | undefined> {
    // A deleted user's tombstone is no user: sessions, tokens and lookups see nothing.
    const r = await this.db
      .selectFrom('user')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return r && rowToUser(r)
  }

  /** The user and its password hash, by email or username, ignoring case. */
  async findUserForLogin(login: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const v = login.toLowerCase()
    const r = await this.db
      .selectFrom('user')
      .selectAll()
      .where((eb) => (v.includes('@') ? eb('email', '=', v) : eb('username', '=', v)))
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return r && { user: rowToUser(r), passwordHash: r.password_hash }
  }

  /** Replaces a password hash, only if it is still `previous` (a concurrent change of password wins): whether it did. */
  async replacePasswordHash(userId: number, previous: string, next: string): Promise<boolean> {
    const r = await this.db
      .updateTable('user')
      .set({ password_hash: next })
      .where('id', '=', userId)
      .where('password_hash', '=', previous)
      .executeTakeFirst()
    return r.numUpdatedRows > 0n
  }

  /** A live user's stored password hash ('' once cleared), or undefined. */
  /** The keys user `userId`'s current password was made through (`key-origins.ts` invariant 7). */
  passwordLineOf(userId: number): Promise<number[]> {
    return passwordLineOf(this.db, userId)
  }

  async passwordHashOf(userId: number): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('user')
      .select('password_hash')
      .where('id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return r?.password_hash
  }

  async usernameTaken(username: string): Promise<boolean> {
    return (
      (await this.db.selectFrom('user').select('id').where('username', '=', username).executeTakeFirst()) !== undefined
    )
  }

  /** Live users, newest first; `passwordSetByKeyId` (indexed: `user_password_set_by_key_idx`) narrows them. */
  async listUsers(limit: number, beforeId?: number, passwordSetByKeyId?: number): Promise<User[]> {
    let q = this.db.selectFrom('user').selectAll().where('deleted_at', 'is', null).orderBy('id', 'desc').limit(limit)
    if (beforeId !== undefined) q = q.where('id', '<', beforeId)
    if (passwordSetByKeyId !== undefined) q = q.where('password_set_by_key_id', '=', passwordSetByKeyId)
    return (await q.execute()).map(rowToUser)
  }

  /**
   * Stores an application, its slug `fleetSlug` of the organization's handle as it is when the row is
   * written: read in the insert's transaction, under a share lock on PostgreSQL (SQLite's write
   * transaction holds the whole store). Read before it, a rename committing meanwhile moved the slugs
   * it saw, not this one, and the old handle's oracle came back (helper-122).
   */
  async createApplication(a: {
    uuid: string
    name: string
    ownerUserId: number
    organizationId: number
    at: string
  }): Promise<Application> {
    return this.db.transaction().execute(async (trx) => {
      let handle = trx.selectFrom('organization').select(['handle', 'deleting_at']).where('id', '=', a.organizationId)
      if (this.dialect === 'postgres') handle = handle.forShare()
      // Read under the row's share lock, as `OrgRepository.markDeleting` writes it under its update lock; a deletion
      // that finished since the caller's check leaves no row (a 500 here before).
      const org = await handle.executeTakeFirst()
      if (!org) throw notFound('organization')
      if (org.deleting_at !== null) throw new KeywardError('conflict', 'the organization is being deleted')
      const actorId = await newActor(trx, 'application', a.at)
      const r = await trx
        .insertInto('application')
        .values({
          actor_id: actorId,
          uuid: a.uuid,
          slug: fleetSlug(org.handle, a.name),
          name: a.name,
          owner_user_id: a.ownerUserId,
          organization_id: a.organizationId,
          created_at: a.at,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return rowToApplication(r)
    })
  }

  /**
   * Renames an application: its slug is `fleetSlug` of its organization's handle as it is in this transaction (read
   * under a share lock, as `createApplication` reads it: a rename of the organization moves it, or waits for this).
   */
  async renameApplication(id: number, name: string): Promise<Application | undefined> {
    return this.db.transaction().execute(async (trx) => {
      let handle = trx
        .selectFrom('application')
        .innerJoin('organization', 'organization.id', 'application.organization_id')
        .select('organization.handle')
        .where('application.id', '=', id)
      if (this.dialect === 'postgres') handle = handle.forShare('organization')
      const org = await handle.executeTakeFirst()
      if (!org) return undefined
      const r = await trx
        .updateTable('application')
        .set({ name, slug: fleetSlug(org.handle, name) })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      return r && rowToApplication(r)
    })
  }

  /** One step of an application's removal (`removeFleetStep`), in its own transaction. */
  removeApplicationStep(app: Application, now: Date): Promise<FleetStep> {
    return this.db.transaction().execute((trx) => removeFleetStep(trx, this.dialect, app, now))
  }

  /** The person of a personal organization, else null (a shared one, or none). */
  async personalUserOf(orgId: number): Promise<number | null> {
    const o = await this.db
      .selectFrom('organization')
      .select('personal_user_id')
      .where('id', '=', orgId)
      .executeTakeFirst()
    return o?.personal_user_id ?? null
  }

  /** Throws 409 when what a removal would remove owns identities (`refuseIdentityOwners`). */
  refuseIdentityOwners(owners: OwnersOf): Promise<void> {
    return refuseIdentityOwners(this.db, owners)
  }

  /** One step of a device's removal (`removeDeviceStep`), in its own transaction. */
  removeDeviceStep(device: Device, now: Date): Promise<FleetStep> {
    return this.db.transaction().execute((trx) => removeDeviceStep(trx, this.dialect, device, now))
  }

  /** Removes the application and what its steps left (`removeFleet`); the hashes in it every node must evict. */
  removeApplication(app: Application, now: Date): Promise<FleetStep> {
    return this.db.transaction().execute((trx) => removeFleet(trx, this.dialect, app, now))
  }

  async findApplication(id: number): Promise<Application | undefined> {
    const r = await this.db.selectFrom('application').selectAll().where('id', '=', id).executeTakeFirst()
    return r && rowToApplication(r)
  }

  /** Applications of organizations `orgIds` (null: every one), newest first. */
  async listApplications(orgIds: number[] | null, limit: number, beforeId?: number): Promise<Application[]> {
    if (orgIds !== null && orgIds.length === 0) return []
    let q = this.db.selectFrom('application').selectAll().orderBy('id', 'desc').limit(limit)
    if (orgIds !== null) q = q.where('organization_id', 'in', orgIds)
    if (beforeId !== undefined) q = q.where('id', '<', beforeId)
    return (await q.execute()).map(rowToApplication)
  }

  async createDevice(d: {
    uuid: string
    name: string | null
    applicationId: number
    registeredWithKeyId: number | null
    at: string
  }): Promise<Device> {
    return this.db.transaction().execute(async (trx) => {
      const actorId = await newActor(trx, 'device', d.at)
      const r = await trx
        .insertInto('device')
        .values({
          actor_id: actorId,
          uuid: d.uuid,
          name: d.name,
          application_id: d.applicationId,
          registered_with_key_id: d.registeredWithKeyId,
          created_at: d.at,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return rowToDevice(r)
    })
  }

  /** Removes a device that owns no keys and its actor (undoing a registration that failed half-way). */
  async deleteDevice(id: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const d = await trx.deleteFrom('device').where('id', '=', id).returning('actor_id').executeTakeFirst()
      if (d) await trx.deleteFrom('actor').where('id', '=', d.actor_id).execute()
    })
  }

  async findDevice(id: number): Promise<Device | undefined> {
    const r = await this.db.selectFrom('device').selectAll().where('id', '=', id).executeTakeFirst()
    return r && rowToDevice(r)
  }

  /** Devices visible to a principal (null owner filter: all), narrowed to one application or organization. */
  async listDevices(
    viewer: Principal,
    f: { applicationId?: number; organizationId?: number; limit: number; beforeId?: number },
  ): Promise<Device[]> {
    let q = this.db
      .selectFrom('device')
      .innerJoin('application', 'application.id', 'device.application_id')
      .selectAll('device')
      .orderBy('device.id', 'desc')
      .limit(f.limit)
    const o = viewer.owner
    if (o.kind === 'device') q = q.where('device.id', '=', o.id)
    else if (o.kind === 'application') q = q.where('device.application_id', '=', o.id)
    else if (o.kind === 'organization') q = q.where('application.organization_id', '=', o.id)
    else if (viewer.role !== 'admin') {
      // The devices of every organization the user belongs to (canSeeOwner in core/authz.ts).
      const orgs = Object.keys(viewer.orgs).map(Number)
      if (orgs.length === 0) return []
      q = q.where('application.organization_id', 'in', orgs)
    }
    if (f.applicationId !== undefined) q = q.where('device.application_id', '=', f.applicationId)
    if (f.organizationId !== undefined) q = q.where('application.organization_id', '=', f.organizationId)
    if (f.beforeId !== undefined) q = q.where('device.id', '<', f.beforeId)
    return (await q.execute()).map(rowToDevice)
  }

  /** The owner of a user, application, device or organization, for authorization. */
  async ownerOf(kind: ActorKind, id: number, tombstones = false): Promise<Owner | undefined> {
    const r = await this.ownerRow(kind, id, tombstones)
    return r && ownerOfRow(r)
  }

  private ownerRow(kind: ActorKind, id: number, tombstones: boolean): Promise<OwnerRow | undefined> {
    if (kind === 'organization') return this.orgRows().where('id', '=', id).executeTakeFirst()
    if (kind === 'application') return this.applicationRows().where('id', '=', id).executeTakeFirst()
    if (kind === 'device') return this.deviceRows().where('device.id', '=', id).executeTakeFirst()
    // `tombstones`: a deleted user still owns their revoked keys, readable (by admins) for audit;
    // nothing new may be given to them.
    const q = this.userRows().where('id', '=', id)
    return (tombstones ? q : q.where('deleted_at', 'is', null)).executeTakeFirst()
  }

  /**
   * The owners behind actor ids, as `ownerOfActor` reads each (deleted users too), in one query whatever their
   * number: a page of keys says of each whether its caller may change it (`KeyService.seenBy`). One query, not
   * one per kind: on PostgreSQL four round trips, each binding every id, were 19 % of a 500-key page, the union
   * with one array parameter a branch 12–14 % (`test/perf/list-cost.ts`, 2026-12-06). At most a page's worth of
   * ids (500): bound four times on SQLite, far under its bound-parameter limit.
   */
  async ownersOfActors(actorIds: readonly number[]): Promise<Map<number, Owner>> {
    if (actorIds.length === 0) return new Map()
    const ids = [...new Set(actorIds)]
    const rows = await this.userRows()
      .where(this.anyOf('actor_id', ids))
      .unionAll(this.orgRows().where(this.anyOf('actor_id', ids)))
      .unionAll(this.applicationRows().where(this.anyOf('actor_id', ids)))
      .unionAll(this.deviceRows().where(this.anyOf('device.actor_id', ids)))
      .execute()
    return new Map(rows.map((r) => [r.actor_id, ownerOfRow(r)]))
  }

  /** `column` is one of `ids`: one array parameter on PostgreSQL (no plan per list length), a list on SQLite. */
  private anyOf(column: string, ids: number[]) {
    return this.dialect === 'postgres'
      ? sql<boolean>`${sql.ref(column)} = any(${ids}::integer[])`
      : sql<boolean>`${sql.ref(column)} in (${sql.join(ids)})`
  }

  // The rows an owner is made of, one shape for every kind (`OwnerRow`; null where a kind has no such column), so
  // `ownerOf` reads one kind's and `ownersOfActors` the union of all four.
  private userRows() {
    return this.db
      .selectFrom('user')
      .select([sql.lit<ActorKind>('user').as('kind'), 'id', 'actor_id', NONE.as('owner_user_id')])
      .select([NONE.as('organization_id'), NONE.as('application_id')])
  }

  private orgRows() {
    return this.db
      .selectFrom('organization')
      .select([sql.lit<ActorKind>('organization').as('kind'), 'id', 'actor_id', NONE.as('owner_user_id')])
      .select([NONE.as('organization_id'), NONE.as('application_id')])
  }

  private applicationRows() {
    return this.db
      .selectFrom('application')
      .select([sql.lit<ActorKind>('application').as('kind'), 'id', 'actor_id', 'owner_user_id'])
      .select(['organization_id', NONE.as('application_id')])
  }

  private deviceRows() {
    return this.db
      .selectFrom('device')
      .innerJoin('application', 'application.id', 'device.application_id')
      .select([sql.lit<ActorKind>('device').as('kind'), 'device.id', 'device.actor_id', 'application.owner_user_id'])
      .select(['application.organization_id', 'device.application_id'])
  }

  /** The owner behind an actor id (the reverse of `ownerOf`). */
  async ownerOfActor(actorId: number): Promise<Owner | undefined> {
    const a = await this.db.selectFrom('actor').select(['kind']).where('id', '=', actorId).executeTakeFirst()
    if (!a) return undefined
    const table = a.kind
    const r = await this.db.selectFrom(table).select('id').where('actor_id', '=', actorId).executeTakeFirst()
    return r && this.ownerOf(a.kind, r.id, true)
  }
}

type Ids = { id: number; actor_id: number }
type FleetIds = Ids & { owner_user_id: number; organization_id: number }
/**
 * A NULL for the column a kind's rows do not have, so that the four kinds' rows share one shape. Typed: PostgreSQL
 * resolves a union's column types pair by pair, and two untyped NULLs resolve to text, which no integer matches.
 */
const NONE = sql<number | null>`cast(null as integer)`
/** One row of any kind (`userRows` … `deviceRows`): the columns its kind lacks are null. */
type OwnerRow = Ids & {
  kind: ActorKind
  owner_user_id: number | null
  organization_id: number | null
  application_id: number | null
}

/** The owner a row reads as, by its kind (a fleet kind's columns are not null: its query selects them). */
function ownerOfRow(r: OwnerRow): Owner {
  if (r.kind === 'user') return userOwner(r)
  if (r.kind === 'organization') return orgOwner(r)
  const fleet = { ...r, owner_user_id: r.owner_user_id!, organization_id: r.organization_id! }
  return r.kind === 'application'
    ? applicationOwner(fleet)
    : deviceOwner({ ...fleet, application_id: r.application_id! })
}

const userOwner = (u: Ids): Owner => ({
  kind: 'user',
  id: u.id,
  actorId: u.actor_id,
  userId: u.id,
  applicationId: null,
  organizationId: null,
})
/** No user answers for an organization (`Owner.userId` 0). */
const orgOwner = (o: Ids): Owner => ({
  kind: 'organization',
  id: o.id,
  actorId: o.actor_id,
  userId: 0,
  applicationId: null,
  organizationId: o.id,
})
const applicationOwner = (a: FleetIds): Owner => ({
  kind: 'application',
  id: a.id,
  actorId: a.actor_id,
  userId: a.owner_user_id,
  applicationId: a.id,
  organizationId: a.organization_id,
})
const deviceOwner = (d: FleetIds & { application_id: number }): Owner => ({
  kind: 'device',
  id: d.id,
  actorId: d.actor_id,
  userId: d.owner_user_id,
  applicationId: d.application_id,
  organizationId: d.organization_id,
})
