import { mayReadInvitations, requireScope } from '../../core/authz.js'
import type { Principal } from '../../core/types.js'
import type { AuditEvent, AuditRepository } from '../../store/audit-repository.js'
import type { RequestContext } from '../context.js'

/** Reading the audit trail: admins see all; others the events of actors they may see. */
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  async list(
    ctx: RequestContext,
    f: { limit?: number; beforeId?: number; action?: string; target_id?: string },
  ): Promise<AuditEvent[]> {
    requireScope(ctx.principal, 'audit:read')
    const events = await this.repo.list(ctx.principal, {
      limit: Math.min(f.limit ?? 100, 500),
      beforeId: f.beforeId,
      action: f.action,
      targetId: f.target_id,
    })
    return events.map((e) => withoutInvitee(ctx.principal, e))
  }
}

/**
 * Pending invitations are for an organization's admins to read (`InvitationService.list`): an
 * invitation entry shows its invitee's email only to whoever may list them. Every member reads
 * the organization's entries, and a viewer read who was invited, and as what (a tester's find).
 */
function withoutInvitee(p: Principal, e: AuditEvent): AuditEvent {
  if (!e.action.startsWith('organization.invitation.') || e.details.email === undefined) return e
  if (e.targetType === 'organization' && mayReadInvitations(p, Number(e.targetId))) return e
  const { email: _invitee, ...details } = e.details
  return { ...e, details }
}
