import type { AuditAction, AuditTargetType } from '../../core/audit-actions.js'
import type { Clock } from '../../core/clock.js'
import type { AuditEvent, AuditRepository } from '../../store/audit-repository.js'
import type { AuditContext } from '../context.js'

/** What an entry is about: its type, id and owning actor (whose viewers may read it). */
export interface AuditTarget {
  type: AuditTargetType
  id: string | number | null
  ownerActorId: number | null
}

/** Records who did what to which target, from where. Details never hold secrets. */
export class AuditLog {
  constructor(
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
  ) {}

  record(
    ctx: AuditContext,
    action: AuditAction,
    target: AuditTarget,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    return this.repo.append(this.event(ctx, action, target, details))
  }

  /** One entry per target, in one write: a cascade's thousands of revocations were as many round trips. */
  recordMany(
    ctx: AuditContext,
    action: AuditAction,
    entries: readonly { target: AuditTarget; details: Record<string, unknown> }[],
  ): Promise<void> {
    return this.repo.appendMany(entries.map((e) => this.event(ctx, action, e.target, e.details)))
  }

  private event(
    ctx: AuditContext,
    action: AuditAction,
    target: AuditTarget,
    details: Record<string, unknown>,
  ): Omit<AuditEvent, 'id'> {
    return {
      at: this.clock.now().toISOString(),
      actorId: ctx.principal?.owner.actorId ?? null,
      action,
      targetType: target.type,
      targetId: target.id === null ? null : String(target.id),
      ownerActorId: target.ownerActorId,
      ip: ctx.ip,
      details: ctx.principal?.keyId ? { ...details, via_key_id: ctx.principal.keyId } : details,
    }
  }
}
