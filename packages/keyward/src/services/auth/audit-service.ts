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
    private readonly keys: Pick<KeyRepository, 'visibleIds' | 'existingIds'>,
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
   * What an entry says of keys, as `GET /v1/keys/:id` would answer the reader (`visibleKeyIds`, store/visibility.ts),
   * in one query per page. It names a key (`KEY_ID_DETAILS`) only to a reader who may see that key: a member reading
   * the entries about their key learnt the id of the admin's key that made or revoked it (a session's find). Its
   * `target_exists` is "the reader can open this key": an ex-member's own entry about an organization's key read true
   * until the organization deleted the key (an attacker's find). An admin sees every key: only existence is asked.
   */
  private async withVisibleKeys(p: Principal, events: AuditEvent[]): Promise<AuditEvent[]> {
    const targets = events.flatMap(keyTarget)
    const ids = [...new Set([...targets, ...events.flatMap(namedKeys)])]
    const seen = ids.length === 0 ? new Set<number>() : await this.keys.visibleIds(p, ids)
    const openable = seen ?? (await this.keys.existingIds([...new Set(targets)]))
    return events.map((e) => {
      const marked = {
        ...e,
        targetExists: e.targetType === 'api_key' ? keyTarget(e).some((id) => openable.has(id)) : null,
      }
      return seen === null || namedKeys(marked).every((id) => seen.has(id)) ? marked : withUnseenKeysNull(marked, seen)
    })
  }
}

/** The key an entry is about, as a list of none or one. */
const keyTarget = (e: AuditEvent): number[] => {
  const id = e.targetType === 'api_key' && e.targetId ? Number(e.targetId) : NaN
  return Number.isSafeInteger(id) ? [id] : []
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
