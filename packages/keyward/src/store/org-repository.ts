import type { Kysely } from 'kysely'
import { KeywardError } from '../core/errors.js'
import { fleetSlug } from '../core/fleet-slug.js'
import type { OrgRole } from '../core/types.js'
import type { Dialect } from './database.js'
import { type EndedKeys, endOwnedKeys, ownedKeysChunk } from './owned-keys.js'
import type { Database, MembershipRow, OrganizationRow } from './schema.js'

/** An organization as the domain sees it. */
export interface Organization {
  id: number
  actorId: number
  handle: string
  name: string
  /** The user whose personal organization this is; null for shared ones. */
  personalUserId: number | null
  createdAt: string
}

/** A user's membership, with the user's email for listings. */
export interface Membership {
  organizationId: number
  userId: number
  email: string
  username: string
  role: OrgRole
  createdAt: string
}

const rowToOrg = (r: OrganizationRow): Organization => ({
  id: r.id,
  actorId: r.actor_id,
  handle: r.handle,
  name: r.name,
  personalUserId: r.personal_user_id,
  createdAt: r.created_at,
})

/**
 * Creates an organization (its actor, the row, and `owner` as its owner) inside `trx`.
 * Used for shared organizations and, from `ActorRepository.createUser`, for personal ones.
 */
export async function insertOrganization(
  trx: Kysely<Database>,
  o: { handle: string; name: string; ownerUserId: number; personal: boolean; at: string },
): Promise<Organization> {
  const actor = await trx
    .insertInto('actor')
    .values({ kind: 'organization', created_at: o.at })
    .returning('id')
    .executeTakeFirstOrThrow()
  const r = await trx
    .insertInto('organization')
    .values({
      actor_id: actor.id,
      handle: o.handle,
      name: o.name,
      personal_user_id: o.personal ? o.ownerUserId : null,
      created_at: o.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  await trx
    .insertInto('organization_membership')
    .values({ organization_id: r.id, user_id: o.ownerUserId, role: 'owner', created_at: o.at })
    .execute()
  return rowToOrg(r)
}

/** A free handle for a new user's personal organization: the username, else the username and a number. */
export async function freePersonalHandle(trx: Kysely<Database>, username: string): Promise<string> {
  const base = username.toLowerCase()
  for (let n = 1; ; n++) {
    const handle = n === 1 ? base : `${base}-${n}`
    const taken = await trx.selectFrom('organization').select('id').where('handle', '=', handle).executeTakeFirst()
    if (!taken) return handle
  }
}

/** Organizations and memberships (services/orgs/); invitations are `InvitationRepository`'s. */
export class OrgRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    /** The budgeted read pool, for member lists (unpaged: 20,000 rows held SQLite's main connection). */
    private readonly readDb: Kysely<Database> = db,
  ) {}

  /** Creates a shared organization with `ownerUserId` as owner. */
  create(o: { handle: string; name: string; ownerUserId: number; at: string }): Promise<Organization> {
    return this.db.transaction().execute((trx) => insertOrganization(trx, { ...o, personal: false }))
  }

  async find(id: number): Promise<Organization | undefined> {
    const r = await this.db.selectFrom('organization').selectAll().where('id', '=', id).executeTakeFirst()
    return r && rowToOrg(r)
  }

  async findByHandle(handle: string): Promise<Organization | undefined> {
    const r = await this.db.selectFrom('organization').selectAll().where('handle', '=', handle).executeTakeFirst()
    return r && rowToOrg(r)
  }

  async findPersonal(userId: number): Promise<Organization | undefined> {
    const r = await this.db
      .selectFrom('organization')
      .selectAll()
      .where('personal_user_id', '=', userId)
      .executeTakeFirst()
    return r && rowToOrg(r)
  }

  /** Organizations with ids in `ids` (null: every one), by id. */
  async list(ids: number[] | null): Promise<Organization[]> {
    if (ids !== null && ids.length === 0) return []
    let q = this.db.selectFrom('organization').selectAll().orderBy('id')
    if (ids !== null) q = q.where('id', 'in', ids)
    return (await q.execute()).map(rowToOrg)
  }

  /**
   * Renames it; a new handle renames its applications' slugs in the same transaction (`fleetSlug`). The handle it
   * already has moves none: a PATCH repeating it (a form sending every field) only renames, also for an organization
   * whose slugs no handle can hold (`refuseTwins`).
   */
  async update(id: number, patch: { name?: string; handle?: string }): Promise<Organization | undefined> {
    return this.db.transaction().execute(async (trx) => {
      let before = trx.selectFrom('organization').select('handle').where('id', '=', id)
      if (this.dialect === 'postgres') before = before.forUpdate()
      const old = await before.executeTakeFirst()
      if (!old) return undefined
      const r = await trx.updateTable('organization').set(patch).where('id', '=', id).returningAll().executeTakeFirst()
      if (r && r.handle !== old.handle) await reslugApplications(trx, id, r.handle)
      return r && rowToOrg(r)
    })
  }

  /**
   * Marks the organization's deletion as begun, unless it owns applications (false: they must go first): its members
   * hear of none of its keys from now on (migration 0017), and no application is created in it. The mark is written
   * under `holdForRemoval`'s lock and `ActorRepository.createApplication` reads it under a share lock of the same row,
   * so one goes first: an application created meanwhile is seen here, or refused there. Checked once before the
   * mark, an application created during the key chunks made the last transaction's delete break its foreign key: a
   * 500, with the keys gone and the organization left marked (an attacker's find, helper-127).
   */
  async markDeleting(id: number, now: Date): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await this.holdForRemoval(trx, id)
      const app = await trx.selectFrom('application').select('id').where('organization_id', '=', id).executeTakeFirst()
      if (app) return false
      await trx.updateTable('organization').set({ deleting_at: now.toISOString() }).where('id', '=', id).execute()
      return true
    })
  }

  /**
   * Deletes one chunk of the organization's keys with their `key.deleted` events, in one
   * transaction (`owned-keys.ts`); the service repeats it before `delete`, evicting each chunk.
   */
  deleteKeys(org: Organization, now: Date): Promise<EndedKeys> {
    return this.db.transaction().execute(async (trx) => {
      await this.holdForRemoval(trx, org.id)
      return endOwnedKeys(trx, this.dialect, [org.actorId], { kind: 'delete' }, now)
    })
  }

  /**
   * Locks the organization's row before its keys are read (PostgreSQL): a key being written for it holds the row
   * `for share` (`live-owner.ts`), so it commits first and is read, or waits and finds the organization gone.
   */
  private async holdForRemoval(trx: Kysely<Database>, id: number): Promise<void> {
    if (this.dialect === 'postgres')
      await trx.selectFrom('organization').select('id').where('id', '=', id).forUpdate().execute()
  }

  /**
   * Deletes an organization, the keys it still owns (made since its last `deleteKeys`; each
   * with its `key.deleted` event), memberships and invitations; returns the deleted keys' hashes.
   */
  async delete(org: Organization, now: Date): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      await this.holdForRemoval(trx, org.id)
      const hashes: string[] = []
      let r: EndedKeys
      do {
        r = await endOwnedKeys(trx, this.dialect, [org.actorId], { kind: 'delete' }, now)
        hashes.push(...r.hashes)
      } while (r.ended === ownedKeysChunk(this.dialect))
      await trx.deleteFrom('organization_membership').where('organization_id', '=', org.id).execute()
      await trx.deleteFrom('organization_invitation').where('organization_id', '=', org.id).execute()
      await trx.deleteFrom('organization').where('id', '=', org.id).execute()
      return hashes
    })
  }

  /**
   * A user's roles, organization id → role: what `Principal.orgs` holds. None while the user is
   * deactivated (or deleted): what acts for them then (an organization key they made,
   * `AuthService.makerOf`) holds none of their rights. Deactivation and reactivation evict the cached
   * roles on every node (`SessionCache.endAllOf`, `forgetUser`).
   */
  async rolesOf(userId: number): Promise<Record<number, OrgRole>> {
    const rows = await this.db
      .selectFrom('organization_membership')
      .innerJoin('user', 'user.id', 'organization_membership.user_id')
      .select(['organization_membership.organization_id', 'organization_membership.role'])
      .where('organization_membership.user_id', '=', userId)
      .where('user.deactivated_at', 'is', null)
      .execute()
    return Object.fromEntries(rows.map((r) => [r.organization_id, r.role]))
  }

  /** Every member (unpaged), read through the read pool: on SQLite its rows come a batch a loop turn. */
  async members(orgId: number): Promise<Membership[]> {
    const rows = await this.membershipQuery(this.readDb)
      .where('m.organization_id', '=', orgId)
      .orderBy('m.id')
      .execute()
    return rows.map(rowToMembership)
  }

  async member(orgId: number, userId: number): Promise<Membership | undefined> {
    const r = await this.membershipQuery()
      .where('m.organization_id', '=', orgId)
      .where('m.user_id', '=', userId)
      .executeTakeFirst()
    return r && rowToMembership(r)
  }

  async countOwners(orgId: number): Promise<number> {
    const r = await this.db
      .selectFrom('organization_membership')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('organization_id', '=', orgId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow()
    return Number(r.n)
  }

  /** Adds a member, or changes the role of an existing one. */
  async upsertMember(orgId: number, userId: number, role: OrgRole, at: string): Promise<void> {
    await this.db
      .insertInto('organization_membership')
      .values({ organization_id: orgId, user_id: userId, role, created_at: at })
      .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doUpdateSet({ role }))
      .execute()
  }

  async setRole(orgId: number, userId: number, role: OrgRole): Promise<void> {
    await this.db
      .updateTable('organization_membership')
      .set({ role })
      .where('organization_id', '=', orgId)
      .where('user_id', '=', userId)
      .execute()
  }

  async removeMember(orgId: number, userId: number): Promise<boolean> {
    const r = await this.db
      .deleteFrom('organization_membership')
      .where('organization_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  }

  private membershipQuery(db = this.db) {
    return db
      .selectFrom('organization_membership as m')
      .innerJoin('user', 'user.id', 'm.user_id')
      .select(['m.organization_id', 'm.user_id', 'm.role', 'm.created_at', 'user.email', 'user.username'])
  }
}

const rowToMembership = (
  r: Pick<MembershipRow, 'organization_id' | 'user_id' | 'role' | 'created_at'> & { email: string; username: string },
): Membership => ({
  organizationId: r.organization_id,
  userId: r.user_id,
  email: r.email,
  username: r.username,
  role: r.role,
  createdAt: r.created_at,
})

/** Gives the organization's applications the slugs of its handle (`fleetSlug`: computed here, as at creation). */
async function reslugApplications(trx: Kysely<Database>, orgId: number, handle: string): Promise<void> {
  const apps = await trx.selectFrom('application').select(['id', 'name']).where('organization_id', '=', orgId).execute()
  refuseTwins(apps.map((a) => a.name))
  for (const a of apps)
    await trx
      .updateTable('application')
      .set({ slug: fleetSlug(handle, a.name) })
      .where('id', '=', a.id)
      .execute()
}

/**
 * Two applications of one organization whose names differ in case alone get one slug under every handle (creation
 * refuses the second; migration 0038 found such pairs made under different handles and left one): no rename can
 * succeed, and a unique violation would blame another organization's application. Said as what it is.
 */
function refuseTwins(names: string[]): void {
  const seen = new Set<string>()
  for (const name of names) {
    const folded = fleetSlug('', name)
    if (seen.has(folded))
      throw new KeywardError(
        'conflict',
        `two of this organization's applications are named "${name}" (case aside): no handle gives both a slug; rename one first`,
        { details: { field: 'handle' } },
      )
    seen.add(folded)
  }
}
