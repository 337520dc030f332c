import type { Clock } from '../../core/clock.js'
import type { AuditRepository } from '../../store/audit-repository.js'
import type { RequestContext } from '../context.js'

/** Records who did what to which target, from where. Details never hold secrets. */
export class AuditLog {
  constructor(
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
  ) {}

  record(
    ctx: RequestContext | { principal: null; ip: string | null },
    action: string,
    target: { type: string; id: string | number | null; ownerActorId: number | null },
    details: Record<string, unknown> = {},
  ): Promise<void> {
    return this.repo.append({
      at: this.clock.now().toISOString(),
      actorId: ctx.principal?.owner.actorId ?? null,
      action,
      targetType: target.type,
      targetId: target.id === null ? null : String(target.id),
      ownerActorId: target.ownerActorId,
      ip: ctx.ip,
      details: ctx.principal?.keyId ? { ...details, via_key_id: ctx.principal.keyId } : details,
    })
  }
}
