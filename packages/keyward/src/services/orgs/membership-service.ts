import { requireMayGrantOrgRole, requireOrgRole, requireScope } from '../../core/authz.js'
import { KeywardError, notFound } from '../../core/errors.js'
import type { OrgRole } from '../../core/types.js'
import type { Membership, Organization, OrgRepository } from '../../store/org-repository.js'
import type { SessionCache } from '../auth/session-cache.js'
import type { KeyRepository } from '../../store/key-repository.js'
import { type RequestContext, producerOf } from '../context.js'
import type { OrgService } from './org-service.js'

/**
 * Members and their roles. Every member reads the list; admins change roles and remove
 * members; only owners make or unmake owners (transferring the organization is making another
 * owner, then stepping down); the last owner can neither leave nor be demoted. Every change
 * forgets the user on every node (`SessionCache.forgetUser`), so roles apply on the next request.
 */
export class MembershipService {
  constructor(
    private readonly orgs: OrgRepository,
    private readonly orgService: Pick<OrgService, 'record' | 'directory'>,
    private readonly sessions: Pick<SessionCache, 'forgetUser' | 'endUserSessions'>,
    private readonly keys: Pick<KeyRepository, 'findById'>,
  ) {}

  async list(ctx: RequestContext, orgId: number): Promise<Membership[]> {
    requireScope(ctx.principal, 'organizations:read')
    const org = await this.orgService.directory.visible(ctx.principal, orgId)
    return this.orgs.members(org.id)
  }

  async setRole(ctx: RequestContext, orgId: number, userId: number, role: OrgRole): Promise<Membership> {
    const { org, target } = await this.forChange(ctx, orgId, userId)
    if (role === 'owner' || target.role === 'owner') requireOrgRole(ctx.principal, org.id, 'owner')
    requireMayGrantOrgRole(await producerOf(ctx, this.keys), role)
    if (target.role === 'owner' && role !== 'owner') await this.keepAnOwner(org)
    await this.orgs.setRole(org.id, userId, role)
    await this.sessions.forgetUser(userId)
    await this.orgService.record(ctx, org, 'organization.member.role', { user_id: userId, from: target.role, to: role })
    return { ...target, role }
  }

  /**
   * Removes a member (or the caller leaves): their access to the organization ends at once on every
   * node and their sessions end (`endUserSessions`); keys the organization owns are untouched.
   */
  async remove(ctx: RequestContext, orgId: number, userId: number): Promise<void> {
    const leaving = ctx.principal.owner.kind === 'user' && ctx.principal.owner.id === userId
    const { org, target } = await this.forChange(ctx, orgId, userId, leaving)
    if (target.role === 'owner') {
      if (!leaving) requireOrgRole(ctx.principal, org.id, 'owner')
      await this.keepAnOwner(org)
    }
    if (!(await this.orgs.removeMember(org.id, userId))) throw notFound('member')
    await this.sessions.endUserSessions(userId)
    await this.orgService.record(ctx, org, 'organization.member.remove', { user_id: userId, role: target.role })
  }

  /** The organization and the member to change; admins change others, anyone may leave. */
  private async forChange(
    ctx: RequestContext,
    orgId: number,
    userId: number,
    leaving = false,
  ): Promise<{ org: Organization; target: Membership }> {
    requireScope(ctx.principal, 'organizations:write')
    const org = await this.orgService.directory.visible(ctx.principal, orgId)
    if (!leaving) requireOrgRole(ctx.principal, org.id, 'admin')
    const target = await this.orgs.member(org.id, userId)
    if (!target) throw notFound('member')
    return { org, target }
  }

  /** 409 when the organization would be left without an owner. */
  private async keepAnOwner(org: Organization): Promise<void> {
    if ((await this.orgs.countOwners(org.id)) <= 1)
      throw new KeywardError('conflict', 'the last owner cannot leave or step down; make another member owner first')
  }
}
