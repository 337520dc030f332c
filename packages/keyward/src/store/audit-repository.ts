import type { Kysely } from 'kysely'
import type { Principal } from '../core/types.js'
import type { AuditEventRow, Database } from './schema.js'
import { visibleActors } from './visibility.js'

export interface AuditEvent {
  id: number
  at: string
  actorId: number | null
  action: string
  targetType: string
  targetId: string | null
  ownerActorId: number | null
  ip: string | null
  details: Record<string, unknown>
  /** Whether the reader can open the target key (keys only; other targets: null). Set by `AuditService`, not stored. */
  targetExists?: boolean | null
  /** No actor and no address: Keyward acted by itself. Set when listing, from the stored row (the address may be hidden). */
  automatic?: boolean
}

/** A page of the log: newest first, before `beforeId`; each filter narrows (audit_target_idx, audit_action_idx). */
export interface AuditFilter {
  limit: number
  beforeId?: number
  action?: string
  targetType?: string
  targetId?: number
}

const rowToEvent = (r: AuditEventRow): AuditEvent => ({
  id: r.id,
  at: r.at,
  actorId: r.actor_id,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  ownerActorId: r.owner_actor_id,
  ip: r.ip,
  details: JSON.parse(r.details) as Record<string, unknown>,
})

/** The append-only audit trail; listed through `readDb` (the store's budgeted read pool). */
export class AuditRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly readDb: Kysely<Database> = db,
  ) {}

  async append(e: Omit<AuditEvent, 'id'>): Promise<void> {
    await this.appendMany([e])
  }

  /** Several entries in one INSERT (the callers' chunks stay under both stores' parameter limits). */
  async appendMany(events: readonly Omit<AuditEvent, 'id'>[]): Promise<void> {
    if (events.length === 0) return
    await this.db
      .insertInto('audit_event')
      .values(
        events.map((e) => ({
          at: e.at,
          actor_id: e.actorId,
          action: e.action,
          target_type: e.targetType,
          target_id: e.targetId,
          owner_actor_id: e.ownerActorId,
          ip: e.ip,
          details: JSON.stringify(e.details),
        })),
      )
      .execute()
  }

  /**
   * Events done by, or done to things of, the actors the viewer may see; newest first.
   * The IP of an event is shown only when its actor is one the viewer may see
   * (`visibleActors`): a member reads what an admin did to their key, not from where.
   */
  async list(viewer: Principal, f: AuditFilter): Promise<AuditEvent[]> {
    const visible = visibleActors(this.readDb, viewer)
    let q = this.readDb
      .selectFrom('audit_event')
      .select(['id', 'at', 'actor_id', 'action', 'target_type', 'target_id', 'owner_actor_id', 'details'])
      .select((eb) =>
        (visible ? eb.case().when('actor_id', 'in', visible).then(eb.ref('ip')).else(null).end() : eb.ref('ip')).as(
          'ip',
        ),
      )
      // Read before the address is hidden: to a member a stranger's leak report looked like Keyward's own act.
      .select((eb) => eb.and([eb('actor_id', 'is', null), eb('ip', 'is', null)]).as('automatic'))
      .orderBy('id', 'desc')
      .limit(f.limit)
    if (visible) q = q.where((eb) => eb.or([eb('actor_id', 'in', visible), eb('owner_actor_id', 'in', visible)]))
    if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId)
    if (f.action) q = q.where('action', '=', f.action)
    if (f.targetType) q = q.where('target_type', '=', f.targetType)
    if (f.targetId !== undefined) q = q.where('target_id', '=', String(f.targetId))
    const rows = await q.execute()
    return rows.map((r) => ({ ...rowToEvent(r), automatic: Boolean(r.automatic) }))
  }
}
