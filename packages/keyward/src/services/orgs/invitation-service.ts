import { randomBytes } from 'node:crypto'
import {
  mayGrantOrgRole,
  requireMayGrantOrgRole,
  requireMayIssueLogin,
  requireOrgRole,
  requireScope,
} from '../../core/authz.js'
import type { Clock } from '../../core/clock.js'
import type { Origin } from '../../core/producer.js'
import { KeywardError, notFound } from '../../core/errors.js'
import { hashSecret } from '../../core/key-format.js'
import type { OrgRole, Principal, User } from '../../core/types.js'
import type { Invitation, InvitationRepository, MakerReads } from '../../store/invitation-repository.js'
import type { NewUser } from '../../store/actor-repository.js'
import type { OrgRepository, Organization } from '../../store/org-repository.js'
import { type SessionCache, userPrincipal } from '../auth/session-cache.js'
import { type CreateUserInput, duplicateUser } from '../auth/user-service.js'
import type { KeyRepository } from '../../store/key-repository.js'
import { type RequestContext, producerOf } from '../context.js'
import type { InvitationMailer } from './invitation-mailer.js'
import type { OrgService } from './org-service.js'

/** Invitation tokens are opaque and recognisable, like session tokens; only their SHA-256 is stored. */
export const INVITATION_PREFIX = 'kwinv_'

/**
 * What creating an invitation answers. The token is in one place only: the mail when the instance has a mail
 * server (`mailed`, `token` null), else this answer, for the inviter to hand over.
 */
export interface CreatedInvitation {
  invitation: Invitation
  token: string | null
  mailed: boolean
}

const unusable = () =>
  new KeywardError(
    'not_found',
    'invitation not found, expired, revoked, already used, or its inviter may no longer invite',
  )

/** How `requireMayInvite` refuses (a dead key is `unauthorized`, an organization not held `not_found`). */
const REFUSALS: ReadonlySet<string> = new Set(['forbidden', 'not_found', 'unauthorized'])

/**
 * THE rule of who may invite into organization `orgId` with `role`, checked when an invitation is
 * made and again, on its maker's current rights, when it is accepted (`makerStillMay`): an
 * organization admin (only an owner invites an owner) or a site admin, through a credential with
 * `organizations:write` that may issue a login (an invitation is a login whose password its holder
 * chooses) and, for an admin or owner role, has full rights (`requireMayGrantOrgRole`).
 */
async function requireMayInvite(
  ctx: RequestContext,
  keys: Pick<KeyRepository, 'findById'>,
  orgId: number,
  role: OrgRole,
): Promise<void> {
  const producer = await producerOf(ctx, keys) // the key read fresh: its scopes now, its bounds
  const p = producer.principal
  requireScope(p, 'organizations:write')
  requireOrgRole(p, orgId, 'admin')
  if (!mayGrantOrgRole(p, orgId, role))
    throw new KeywardError('forbidden', `only an owner can invite with the "${role}" role`)
  requireMayIssueLogin(producer, false)
  requireMayGrantOrgRole(producer, role)
}

/**
 * Revoke ends it: an invitation grants its role only while whoever made it could make it now,
 * by the rule `create` applied (`requireMayInvite`) to the maker's rights read by `reads` (in the
 * acceptance's transaction): the user active (not deleted or deactivated), still an admin of the
 * organization (an owner for "owner") or still a site admin, and, when a key made it, that key
 * live (not revoked, disabled, expired or deleted) with the scopes and no bounds it needed.
 * Without this, an admin removed or demoted kept every invitation they had made, their own
 * email's included: a way back in (found by an attacker).
 */
async function makerStillMay(inv: Invitation, reads: MakerReads): Promise<boolean> {
  const user = inv.invitedByUserId === null ? undefined : await reads.findUserById(inv.invitedByUserId)
  if (!user || user.deactivatedAt !== null) return false
  const principal = { ...userPrincipal(user, null, await reads.rolesOf(user.id)), keyId: inv.invitedByKeyId }
  return requireMayInvite(
    { principal, ip: null },
    { findById: (id) => reads.findKeyById(id) },
    inv.organizationId,
    inv.role,
  ).then(
    () => true,
    (e: unknown) => {
      if (e instanceof KeywardError && REFUSALS.has(e.code)) return false
      throw e // an outage is no refusal: the invitation stays usable
    },
  )
}

/** The SMTP error, for the log, without the token should the server have quoted the mail back. */
const mailFailure = (e: unknown, token: string): Error => {
  const { message, code, command, responseCode } = e as Partial<Record<string, unknown>>
  return Object.assign(new Error(String(message).replaceAll(token, `${INVITATION_PREFIX}…`)), {
    code,
    command,
    responseCode,
  })
}

/** A pending invitation as listed: `usable` when it can be accepted now (not expired; `makerStillMay`). */
export type ListedInvitation = Invitation & { usable: boolean }

/**
 * `makerStillMay` once per maker and role, not per invitation: an organization's hundreds of invitations
 * come from a few admins, so a listing costs a few reads, not three per row.
 */
function withUsability(all: Invitation[], reads: MakerReads, nowMs: number): Promise<ListedInvitation[]> {
  const verdicts = new Map<string, Promise<boolean>>()
  const makerMay = (i: Invitation) => {
    const k = `${i.invitedByUserId}:${i.invitedByKeyId}:${i.role}`
    const v = verdicts.get(k) ?? makerStillMay(i, reads)
    verdicts.set(k, v)
    return v
  }
  const usable = async (i: Invitation) => Date.parse(i.expiresAt) > nowMs && (await makerMay(i))
  return Promise.all(all.map(async (i) => ({ ...i, usable: await usable(i) })))
}

/**
 * What chose a new account's password: whoever held the invitation's token, which was answered to its maker, so the
 * maker's key or line (`key-origins.ts` invariants 5 and 7). A minted revoke of that key clears it (an attacker's
 * find: the holder of a leaked key, signed in with a password it chose, invited an address of their own as an owner,
 * accepted with a password of their own, and that account outlived the revoke). Null: a password session's. A mailed
 * token was not answered, but which were mailed is not stored (nor was it when mailed ones were answered too), so
 * those count as the maker's as well.
 */
const tokenHolder = (inv: Invitation): Origin | null =>
  inv.invitedByKeyId !== null ? { keyId: inv.invitedByKeyId } : inv.line && { keys: inv.line }

/**
 * Invitations: admins invite by email with a role no higher than they could grant
 * (`mayGrantOrgRole`); the token is shown once, stored hashed, expires, can be revoked, and is
 * accepted once — by a signed-in user with the invited email, or with a password, which opens a
 * new account for that email.
 */
export class InvitationService {
  constructor(
    private readonly orgs: Pick<OrgRepository, 'find'>,
    private readonly invitations: InvitationRepository,
    private readonly orgService: Pick<OrgService, 'record' | 'directory'>,
    private readonly sessions: Pick<SessionCache, 'forgetUser'>,
    private readonly keys: Pick<KeyRepository, 'findById'>,
    /** The maker's rights as the store has them now (`makerStillMay`), outside a transaction, on the read pool. */
    private readonly reads: MakerReads,
    private readonly users: {
      prepare(input: CreateUserInput): Promise<NewUser>
      findByEmail(email: string): Promise<User | undefined>
      findById(id: number): Promise<User | undefined>
    },
    private readonly mailer: InvitationMailer | null,
    private readonly clock: Clock,
    private readonly ttlS: number,
  ) {}

  async create(
    ctx: RequestContext,
    orgId: number,
    input: { email: string; role: OrgRole },
  ): Promise<CreatedInvitation> {
    const p = ctx.principal
    requireScope(p, 'organizations:write')
    const org = await this.orgService.directory.visible(p, orgId)
    await requireMayInvite(ctx, this.keys, org.id, input.role)
    const token = INVITATION_PREFIX + randomBytes(32).toString('base64url').replace(/[-_]/g, '')
    const now = this.clock.now()
    const invitation = await this.invitations.insertInvitation({
      organizationId: org.id,
      email: input.email.trim().toLowerCase(),
      role: input.role,
      tokenHash: hashSecret(token),
      invitedByUserId: p.owner.userId,
      invitedByKeyId: p.keyId,
      line: p.passwordLine ?? null,
      at: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlS * 1000).toISOString(),
    })
    await this.orgService.record(ctx, org, 'organization.invitation.create', {
      invitation_id: invitation.id,
      email: invitation.email,
      role: invitation.role,
    })
    if (!this.mailer) return { invitation, token, mailed: false }
    await this.mailOrRevoke(ctx, org, invitation, token, this.mailer)
    return { invitation, token: null, mailed: true }
  }

  /**
   * `mayReadInvitations` (core/authz.ts), with its refusals: 403 without the scope, 404 outside the organization.
   * Each says whether it can be accepted now (`usable`): one its maker may no longer make (a revoked key, a demoted
   * or deactivated admin) was listed as pending while acceptance refused it (a new user's find).
   */
  async list(ctx: RequestContext, orgId: number): Promise<ListedInvitation[]> {
    requireScope(ctx.principal, 'organizations:read')
    const org = await this.orgService.directory.visible(ctx.principal, orgId)
    requireOrgRole(ctx.principal, org.id, 'admin')
    return withUsability(await this.invitations.invitations(org.id), this.reads, this.clock.now().getTime())
  }

  async revoke(ctx: RequestContext, orgId: number, id: number): Promise<void> {
    requireScope(ctx.principal, 'organizations:write')
    const org = await this.orgService.directory.visible(ctx.principal, orgId)
    requireOrgRole(ctx.principal, org.id, 'admin')
    const inv = await this.invitations.findInvitation(id)
    if (!inv || inv.organizationId !== org.id || inv.acceptedAt || inv.revokedAt) throw notFound('invitation')
    await this.invitations.revokeInvitation(inv.id, this.clock.now().toISOString())
    await this.orgService.record(ctx, org, 'organization.invitation.revoke', {
      invitation_id: inv.id,
      email: inv.email,
    })
  }

  /**
   * Accepts an invitation: `caller` (signed in) must hold the invited email; without a caller a
   * `password` opens a new account for it (an existing account signs in first). Used once.
   */
  async accept(
    caller: Principal | null,
    token: string,
    password: string | undefined,
    ip: string | null,
  ): Promise<{ user: User; invitation: Invitation }> {
    const inv = await this.invitations.findInvitationByHash(hashSecret(token))
    const now = this.clock.now()
    if (!inv || inv.acceptedAt || inv.revokedAt || Date.parse(inv.expiresAt) <= now.getTime()) throw unusable()
    // Refused early, before a new account's password is hashed; decided in the acceptance's transaction.
    if (!(await makerStillMay(inv, this.reads))) throw unusable()
    const invitee = await this.invitee(caller, inv, password)
    // Read before the acceptance, for its audit entry: after it, the organization may be gone (a 500 then).
    const org = await this.orgs.find(inv.organizationId)
    if (!org) throw unusable()
    const accepted = (reads: MakerReads) => makerStillMay(inv, reads)
    const userId = await this.invitations.accept(inv, invitee, now.toISOString(), accepted).catch(duplicateUser)
    const user = userId === null ? undefined : await this.users.findById(userId)
    if (!user) throw unusable()
    await this.sessions.forgetUser(user.id)
    const principal = caller ?? userPrincipal(user, null)
    await this.orgService.record({ principal, ip }, org, 'organization.member.add', {
      user_id: user.id,
      role: inv.role,
      invitation_id: inv.id,
    })
    return { user, invitation: { ...inv, acceptedAt: now.toISOString() } }
  }

  /** The accepting user's id (signed in with the invited email), or a new account for that email, not stored yet. */
  private async invitee(caller: Principal | null, inv: Invitation, password: string | undefined) {
    if (caller) {
      requireScope(caller, 'organizations:write')
      const user = caller.owner.kind === 'user' ? await this.users.findByEmail(inv.email) : undefined
      if (!user || user.id !== caller.owner.id)
        throw new KeywardError('forbidden', 'this invitation is for another email address')
      return user.id
    }
    if (password === undefined) throw new KeywardError('unauthorized', 'sign in, or give a password for a new account')
    if (await this.users.findByEmail(inv.email))
      throw new KeywardError('conflict', 'an account with this email exists: sign in to accept')
    return { ...(await this.users.prepare({ email: inv.email, password })), passwordSetBy: tokenHolder(inv) }
  }

  /**
   * With a mail server the invitee's mailbox is the only channel of the token: answered to the inviter, it let anyone
   * who may make an organization learn whether an address has an account here (acceptance's 409) or open one for it
   * with a password of their choosing (helper-127). A mail not sent answers no token either (a recipient the server
   * refuses would hand it back to the inviter), and revokes the invitation: no one holds its token, and it should not
   * be listed as pending.
   */
  private async mailOrRevoke(
    ctx: RequestContext,
    org: Organization,
    inv: Invitation,
    token: string,
    mailer: InvitationMailer,
  ): Promise<void> {
    try {
      await mailer.send({ to: inv.email, organization: org.handle, role: inv.role, token, expiresAt: inv.expiresAt })
    } catch (e) {
      await this.invitations.revokeInvitation(inv.id, this.clock.now().toISOString())
      await this.orgService.record(ctx, org, 'organization.invitation.revoke', {
        invitation_id: inv.id,
        email: inv.email,
      })
      throw new KeywardError(
        'mail_failed',
        `the invitation could not be mailed to ${inv.email}, and was revoked; try again later`,
        {
          cause: mailFailure(e, token),
        },
      )
    }
  }
}
