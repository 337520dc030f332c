import { randomBytes } from 'node:crypto'
import { requireMayGrantOrgRole, requireMayIssueLogin, requireOrgRole, requireScope } from '../../core/authz.js'
import type { Clock } from '../../core/clock.js'
import { KeywardError, notFound } from '../../core/errors.js'
import { hashSecret } from '../../core/key-format.js'
import { keyStatus } from '../../core/policy.js'
import type { OrgRole, Principal, User } from '../../core/types.js'
import type { Invitation, InvitationRepository } from '../../store/invitation-repository.js'
import type { OrgRepository } from '../../store/org-repository.js'
import { type SessionCache, userPrincipal } from '../auth/session-cache.js'
import type { CreateUserInput } from '../auth/user-service.js'
import type { KeyRepository } from '../../store/key-repository.js'
import { type RequestContext, producerOf } from '../context.js'
import type { InvitationMailer } from './invitation-mailer.js'
import { mayGrantOrgRole } from './membership-service.js'
import type { OrgService } from './org-service.js'

/** Invitation tokens are opaque and recognisable, like session tokens; only their SHA-256 is stored. */
export const INVITATION_PREFIX = 'kwinv_'

/** What creating an invitation answers: the token exists only here (and in the mail). */
export interface CreatedInvitation {
  invitation: Invitation
  token: string
  mailed: boolean
}

const unusable = () => new KeywardError('not_found', 'invitation not found, expired, revoked or already used')

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
    private readonly users: {
      insert(input: CreateUserInput): Promise<User>
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
    requireOrgRole(p, org.id, 'admin')
    if (!mayGrantOrgRole(p, org.id, input.role))
      throw new KeywardError('forbidden', `only an owner can invite with the "${input.role}" role`)
    // The invitation is a login whose password its holder (possibly this caller) chooses.
    const producer = await producerOf(ctx, this.keys)
    requireMayIssueLogin(producer, false)
    requireMayGrantOrgRole(producer, input.role)
    const token = INVITATION_PREFIX + randomBytes(32).toString('base64url').replace(/[-_]/g, '')
    const now = this.clock.now()
    const invitation = await this.invitations.insertInvitation({
      organizationId: org.id,
      email: input.email.trim().toLowerCase(),
      role: input.role,
      tokenHash: hashSecret(token),
      invitedByUserId: p.owner.userId,
      invitedByKeyId: p.keyId,
      at: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlS * 1000).toISOString(),
    })
    await this.orgService.record(ctx, org, 'organization.invitation.create', {
      invitation_id: invitation.id,
      email: invitation.email,
      role: invitation.role,
    })
    return { invitation, token, mailed: await this.mail(invitation, org.handle, token) }
  }

  async list(ctx: RequestContext, orgId: number): Promise<Invitation[]> {
    requireScope(ctx.principal, 'organizations:read')
    const org = await this.orgService.directory.visible(ctx.principal, orgId)
    requireOrgRole(ctx.principal, org.id, 'admin')
    return this.invitations.invitations(org.id)
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
    if (!(await this.inviterLive(inv, now))) throw unusable()
    const user = await this.invitee(caller, inv, password)
    if (!(await this.invitations.accept(inv, user.id, now.toISOString()))) throw unusable()
    await this.sessions.forgetUser(user.id)
    const org = (await this.orgs.find(inv.organizationId))!
    const principal = caller ?? userPrincipal(user, null)
    await this.orgService.record({ principal, ip }, org, 'organization.member.add', {
      user_id: user.id,
      role: inv.role,
      invitation_id: inv.id,
    })
    return { user, invitation: { ...inv, acceptedAt: now.toISOString() } }
  }

  /**
   * Revoke ends it: an invitation lives only while the user who made it is active (not deleted or
   * deactivated) and, when a key made it, while that key is (not revoked, disabled, expired or deleted).
   */
  private async inviterLive(inv: Invitation, now: Date): Promise<boolean> {
    const user = inv.invitedByUserId === null ? undefined : await this.users.findById(inv.invitedByUserId)
    if (!user || user.deactivatedAt !== null) return false
    if (inv.invitedByKeyId === null) return true
    const key = await this.keys.findById(inv.invitedByKeyId)
    return key !== undefined && keyStatus(key, now) === 'active'
  }

  private async invitee(caller: Principal | null, inv: Invitation, password: string | undefined): Promise<User> {
    if (caller) {
      requireScope(caller, 'organizations:write')
      const user = caller.owner.kind === 'user' ? await this.users.findByEmail(inv.email) : undefined
      if (!user || user.id !== caller.owner.id)
        throw new KeywardError('forbidden', 'this invitation is for another email address')
      return user
    }
    if (password === undefined) throw new KeywardError('unauthorized', 'sign in, or give a password for a new account')
    if (await this.users.findByEmail(inv.email))
      throw new KeywardError('conflict', 'an account with this email exists: sign in to accept')
    return this.users.insert({ email: inv.email, password })
  }

  private async mail(inv: Invitation, organization: string, token: string): Promise<boolean> {
    if (!this.mailer) return false
    try {
      await this.mailer.send({ to: inv.email, organization, role: inv.role, token, expiresAt: inv.expiresAt })
      return true
    } catch {
      // The token is in hand (answered once); a mail failure must not lose it, nor leak it in an error.
      return false
    }
  }
}
