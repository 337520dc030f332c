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
}

const rowToEvent = (r: AuditEventRow): AuditEvent => ({
  id: r.id, at: r.at, actorId: r.actor_id, action: r.action, targetType: r.target_type, targetId: r.target_id,
  ownerActorId: r.owner_actor_id, ip: r.ip, details: JSON.parse(r.details) as Record<string, unknown>,
})

/** The append-only audit trail; listed through `readDb` (the store's budgeted read pool). */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>, private readonly readDb: Kysely<Database> = db) {}

  async append(e: Omit<AuditEvent, 'id'>): Promise<void> {
    await this.db.insertInto('audit_event').values({
      at: e.at, actor_id: e.actorId, action: e.action, target_type: e.targetType, target_id: e.targetId,
      owner_actor_id: e.ownerActorId, ip: e.ip, details: JSON.stringify(e.details),
    }).execute()
  }

  /** Events done by, or done to things of, the actors the viewer may see; newest first. */
  async list(viewer: Principal, f: { limit: number; beforeId?: number; action?: string; targetId?: string }): Promise<AuditEvent[]> {
    let q = this.readDb.selectFrom('audit_event').selectAll().orderBy('id', 'desc').limit(f.limit)
    const visible = visibleActors(this.readDb, viewer)
    if (visible) q = q.where((eb) => eb.or([eb('actor_id', 'in', visible), eb('owner_actor_id', 'in', visible)]))
    if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId)
    if (f.action) q = q.where('action', '=', f.action)
    if (f.targetId) q = q.where('target_id', '=', f.targetId)
    return (await q.execute()).map(rowToEvent)
  }
}
