import type { Kysely } from 'kysely'
import type { OrgRole } from '../core/types.js'
import type { Database, InvitationRow } from './schema.js'

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
})

/** Organization invitations (services/orgs/invitation-service.ts): only token hashes are stored. */
export class InvitationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertInvitation(i: {
    organizationId: number
    email: string
    role: OrgRole
    tokenHash: string
    invitedByUserId: number
    invitedByKeyId: number | null
    at: string
    expiresAt: string
  }): Promise<Invitation> {
    const r = await this.db
      .insertInto('organization_invitation')
      .values({
        organization_id: i.organizationId,
        email: i.email,
        role: i.role,
        token_hash: i.tokenHash,
        invited_by_user_id: i.invitedByUserId,
        invited_by_key_id: i.invitedByKeyId,
        created_at: i.at,
        expires_at: i.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return rowToInvitation(r)
  }

  /** Pending invitations of an organization (neither accepted nor revoked), newest first. */
  async invitations(orgId: number): Promise<Invitation[]> {
    const rows = await this.db
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
   * Marks a pending invitation accepted and adds the membership, atomically: only one
   * acceptance of a token wins (the `accepted_at is null` guard), so a token is used once.
   */
  async accept(inv: Invitation, userId: number, at: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('organization_invitation')
        .set({ accepted_at: at, accepted_by_user_id: userId })
        .where('id', '=', inv.id)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) return false
      const existing = await trx
        .selectFrom('organization_membership')
        .select('id')
        .where('organization_id', '=', inv.organizationId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
      // Accepting never lowers a role the user already holds there.
      if (!existing)
        await trx
          .insertInto('organization_membership')
          .values({ organization_id: inv.organizationId, user_id: userId, role: inv.role, created_at: at })
          .execute()
      return true
    })
  }
}
