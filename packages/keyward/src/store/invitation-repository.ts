import { type Kysely, sql } from 'kysely'
import type { ApiKey, LoginLine, OrgRole, User } from '../core/types.js'
import { ActorRepository, type NewUser, insertUser } from './actor-repository.js'
import type { Dialect } from './database.js'
import { KeyRepository } from './key-repository.js'
import { requireLiveProducer } from './live-producer.js'
import { OrgRepository } from './org-repository.js'
import type { Database, InvitationRow } from './schema.js'
import { lineOf, storedLine } from './session-repository.js'

/** What deciding whether an invitation's maker may still make it reads, on one connection. */
export interface MakerReads {
  findUserById(id: number): Promise<User | undefined>
  rolesOf(userId: number): Promise<Record<number, OrgRole>>
  findKeyById(id: number): Promise<ApiKey | undefined>
}

/** `MakerReads` on `db`: the store's own reads, so the check in a transaction is the check outside it. */
export function makerReads(db: Kysely<Database>, dialect: Dialect): MakerReads {
  const [actors, orgs, keys] = [
    new ActorRepository(db, dialect),
    new OrgRepository(db, dialect),
    new KeyRepository(db, dialect),
  ]
  return {
    findUserById: (id) => actors.findUserById(id),
    rolesOf: (userId) => orgs.rolesOf(userId),
    findKeyById: (id) => keys.findById(id),
  }
}

/** An invitation (never its token: only the hash is stored). */
export interface Invitation {
  id: number
  organizationId: number
  email: string
  role: OrgRole
  invitedByUserId: number | null
  /** The key it was made with, if any: accepting needs it still active. */
  invitedByKeyId: number | null
  createdAt: string
  expiresAt: string
  acceptedAt: string | null
  revokedAt: string | null
  /** Made by a login of a password keys chose: those keys (`password_line`, migration 0035); null: none. */
  line: readonly number[] | null
}

const rowToInvitation = (r: InvitationRow): Invitation => ({
  id: r.id,
  organizationId: r.organization_id,
  email: r.email,
  role: r.role,
  invitedByUserId: r.invited_by_user_id,
  invitedByKeyId: r.invited_by_key_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  acceptedAt: r.accepted_at,
  revokedAt: r.revoked_at,
  line: lineOf(r.password_line),
})

/** Organization invitations (services/orgs/invitation-service.ts): only token hashes are stored. */
export class InvitationRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    /** The budgeted read pool, for an organization's pending invitations (unpaged). */
    private readonly readDb: Kysely<Database> = db,
  ) {}

  async insertInvitation(i: {
    organizationId: number
    email: string
    role: OrgRole
    tokenHash: string
    invitedByUserId: number
    invitedByKeyId: number | null
    /** A login of a password keys chose: the invitation keeps their line, made only while the login is live. */
    line: LoginLine | null
    at: string
    expiresAt: string
  }): Promise<Invitation> {
    return this.db.transaction().execute(async (trx) => {
      // Inviting an email again replaces its pending invitation: left, each could be accepted
      // later, at another role, and the list filled with copies (a new user's find).
      await this.lockEmail(trx, i.organizationId, i.email)
      // A revoke ending the login waits for this write, then revokes it (`UserLifecycleRepository.revokeInvitationsOfLine`).
      if (i.line) await requireLiveProducer(trx, this.dialect, i.line)
      await revokePending(trx, i.organizationId, i.email, i.at)
      return this.insertOne(trx, i)
    })
  }

  private async insertOne(trx: Kysely<Database>, i: Parameters<InvitationRepository['insertInvitation']>[0]) {
    const r = await trx
      .insertInto('organization_invitation')
      .values({
        organization_id: i.organizationId,
        email: i.email,
        role: i.role,
        token_hash: i.tokenHash,
        invited_by_user_id: i.invitedByUserId,
        invited_by_key_id: i.invitedByKeyId,
        password_line: storedLine(i.line?.keys),
        created_at: i.at,
        expires_at: i.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return rowToInvitation(r)
  }

  /**
   * Serializes the writes to one email's invitations in one organization until the transaction
   * ends (PostgreSQL; SQLite has one writer). Without it two invitations sent at once each revoked
   * nothing the other had yet written, and both stayed pending (10 runs of 10); and an acceptance
   * and a re-invitation, each revoking the other's rows in its own order, deadlocked (a reviewer's
   * finds). Taken first, before any row lock, by both.
   */
  private async lockEmail(trx: Kysely<Database>, orgId: number, email: string): Promise<void> {
    if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${orgId}, hashtext(${email}))`.execute(trx)
  }

  /** Pending invitations of an organization (neither accepted nor revoked), newest first. */
  async invitations(orgId: number): Promise<Invitation[]> {
    const rows = await this.readDb
      .selectFrom('organization_invitation')
      .selectAll()
      .where('organization_id', '=', orgId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .orderBy('id', 'desc')
      .execute()
    return rows.map(rowToInvitation)
  }

  async findInvitation(id: number): Promise<Invitation | undefined> {
    const r = await this.db.selectFrom('organization_invitation').selectAll().where('id', '=', id).executeTakeFirst()
    return r && rowToInvitation(r)
  }

  async findInvitationByHash(tokenHash: string): Promise<Invitation | undefined> {
    const r = await this.db
      .selectFrom('organization_invitation')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    return r && rowToInvitation(r)
  }

  async revokeInvitation(id: number, at: string): Promise<void> {
    await this.db.updateTable('organization_invitation').set({ revoked_at: at }).where('id', '=', id).execute()
  }

  /**
   * Accepts a pending invitation for `invitee` (a user's id, or a new account, stored here) and
   * adds the membership, in one transaction, only while `makerMay`, run in that transaction on its
   * reads, still allows it. Null: the token was used or revoked meanwhile, or its maker may no
   * longer make it; nothing is written then, so a refused invitation opens no account (it did:
   * found by an attacker). On PostgreSQL the maker's rows are read FOR SHARE first, so a removal,
   * demotion, deactivation or change of the key that made it waits for this acceptance to commit,
   * or this acceptance for it; SQLite has one writer. Only one acceptance of a token wins (the
   * `accepted_at is null` guard). Accepting never lowers a role the user already holds there.
   */
  async accept(
    inv: Invitation,
    invitee: number | NewUser,
    at: string,
    makerMay: (reads: MakerReads) => Promise<boolean>,
  ): Promise<number | null> {
    return this.db.transaction().execute(async (trx) => {
      await this.lockEmail(trx, inv.organizationId, inv.email)
      if (this.dialect === 'postgres') await lockMaker(trx, inv, typeof invitee === 'number' ? invitee : null)
      if (!(await makerMay(makerReads(trx, this.dialect)))) return null
      const r = await trx
        .updateTable('organization_invitation')
        .set({ accepted_at: at })
        .where('id', '=', inv.id)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) return null
      // Its other pending invitations there (made before re-inviting replaced them) are spent with it.
      await revokePending(trx, inv.organizationId, inv.email, at)
      const userId = typeof invitee === 'number' ? invitee : (await insertUser(trx, invitee)).id
      const accepted = { accepted_by_user_id: userId }
      await trx.updateTable('organization_invitation').set(accepted).where('id', '=', inv.id).execute()
      const existing = await trx
        .selectFrom('organization_membership')
        .select('id')
        .where('organization_id', '=', inv.organizationId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
      if (!existing)
        await trx
          .insertInto('organization_membership')
          .values({ organization_id: inv.organizationId, user_id: userId, role: inv.role, created_at: at })
          .execute()
      return userId
    })
  }
}

/** Revokes `email`'s pending invitations to `orgId` (the accepted one is no longer pending). */
async function revokePending(trx: Kysely<Database>, orgId: number, email: string, at: string): Promise<void> {
  await trx
    .updateTable('organization_invitation')
    .set({ revoked_at: at })
    .where('organization_id', '=', orgId)
    .where('email', '=', email)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute()
}

/**
 * The rows `makerMay` reads, locked FOR SHARE until the transaction ends (PostgreSQL). The user rows
 * first, the invitee's with the maker's (the acceptance's foreign keys lock it later otherwise), in id
 * order, as a site-admin change locks the admins (`UserLifecycleRepository.otherActiveAdmins`): taken
 * in two orders they deadlocked, an acceptance against a change to an admin (found by an attacker).
 */
async function lockMaker(trx: Kysely<Database>, inv: Invitation, inviteeId: number | null): Promise<void> {
  const userId = inv.invitedByUserId ?? 0
  const users = inviteeId === null ? [userId] : [userId, inviteeId]
  await trx.selectFrom('user').select('id').where('id', 'in', users).orderBy('id').forShare().execute()
  await trx
    .selectFrom('organization_membership')
    .select('id')
    .where('organization_id', '=', inv.organizationId)
    .where('user_id', '=', userId)
    .forShare()
    .execute()
  if (inv.invitedByKeyId !== null)
    await trx.selectFrom('api_key').select('id').where('id', '=', inv.invitedByKeyId).forShare().execute()
}
