import type { Expression, Kysely, SqlBool } from 'kysely'
import type { Principal } from '../core/types.js'
import type { Database } from './schema.js'

/**
 * The actors whose keys (and audit trail) a principal may see, as a subquery:
 * an admin user sees all (null), a member their own actor, their applications
 * and those applications' devices; an application itself and its devices; a device itself.
 * The same set decides whose IP addresses an audit reader sees (`AuditRepository.list`).
 * Mirrors `canSeeOwner` in core/authz.ts.
 */
export function visibleActors(db: Kysely<Database>, p: Principal) {
  const o = p.owner
  if (o.kind === 'user' && p.role === 'admin') return null
  if (o.kind === 'device') return db.selectFrom('device').select('actor_id').where('id', '=', o.id)
  if (o.kind === 'application') {
    return db
      .selectFrom('application')
      .select('actor_id')
      .where('id', '=', o.id)
      .union(db.selectFrom('device').select('actor_id').where('application_id', '=', o.id))
  }
  return db
    .selectFrom('user')
    .select('actor_id')
    .where('id', '=', o.id)
    .union(db.selectFrom('application').select('actor_id').where('owner_user_id', '=', o.id))
    .union(
      db
        .selectFrom('device')
        .innerJoin('application', 'application.id', 'device.application_id')
        .select('device.actor_id')
        .where('application.owner_user_id', '=', o.id),
    )
}

export type VisibilityFilter = Expression<SqlBool> | null
