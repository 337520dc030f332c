import { requireScope } from '../../core/authz.js'
import type { AuditEvent, AuditRepository } from '../../store/audit-repository.js'
import type { RequestContext } from '../context.js'

/** Reading the audit trail: admins see all; others the events of actors they may see. */
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  list(
    ctx: RequestContext,
    f: { limit?: number; beforeId?: number; action?: string; target_id?: string },
  ): Promise<AuditEvent[]> {
    requireScope(ctx.principal, 'audit:read')
    return this.repo.list(ctx.principal, {
      limit: Math.min(f.limit ?? 100, 500),
      beforeId: f.beforeId,
      action: f.action,
      targetId: f.target_id,
    })
  }
}
