import { mayReadInvitations, requireScope } from '../../core/authz.js'
import type { Principal } from '../../core/types.js'
import type { AuditEvent, AuditFilter, AuditRepository } from '../../store/audit-repository.js'
import type { KeyRepository } from '../../store/key-repository.js'
import type { RequestContext } from '../context.js'

/** Details that name a key: the key an action came through, a cascade's maker and root. */
const KEY_ID_DETAILS = ['via_key_id', 'created_by_key_id', 'root_key_id'] as const

/** Reading the audit trail: admins see all; others the events of actors they may see. */
export class AuditService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly keys: Pick<KeyRepository, 'visibleIds'>,
  ) {}

  async list(ctx: RequestContext, f: Partial<AuditFilter>): Promise<AuditEvent[]> {
    requireScope(ctx.principal, 'audit:read')
    const events = await this.repo.list(ctx.principal, { ...f, limit: Math.min(f.limit ?? 100, 500) })
    return this.withVisibleKeys(
      ctx.principal,
      events.map((e) => withoutInvitee(ctx.principal, e)),
    )
  }

  /**
   * An entry names a key (`KEY_ID_DETAILS`) only to a reader who may see that key, as
   * `GET /v1/keys/:id` shows `created_by_key_id` (`KeyService.withVisibleCreators`, store/visibility.ts):
   * a member reading the entries about their key learnt the id of the admin's key that made or
   * revoked it (a session's find). One query per page; none for an admin.
   */
  private async withVisibleKeys(p: Principal, events: AuditEvent[]): Promise<AuditEvent[]> {
    const ids = new Set(events.flatMap(namedKeys))
    if (ids.size === 0) return events
    const seen = await this.keys.visibleIds(p, [...ids])
    if (seen === null) return events
    return events.map((e) => (namedKeys(e).every((id) => seen.has(id)) ? e : withUnseenKeysNull(e, seen)))
  }
}

const namedKeys = (e: AuditEvent): number[] =>
  KEY_ID_DETAILS.map((f) => e.details[f]).filter((v): v is number => typeof v === 'number')

function withUnseenKeysNull(e: AuditEvent, seen: Set<number>): AuditEvent {
  const details = { ...e.details }
  for (const f of KEY_ID_DETAILS) if (typeof details[f] === 'number' && !seen.has(details[f])) details[f] = null
  return { ...e, details }
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
