import type { Expression, Kysely, SqlBool } from 'kysely'
import type { Principal } from '../core/types.js'
import type { Database } from './schema.js'

/**
 * The actors whose keys (and audit trail) a principal may see, as a subquery — THE read
 * rule for lists and queries: an admin user sees all (null); a user their own actor and,
 * for every organization they belong to (`Principal.orgs`, whatever the role), the
 * organization's actor, its applications and their devices; an organization's key the same
 * for its own organization; an application itself and its devices; a device itself.
 * The same set decides whose IP addresses an audit reader sees (`AuditRepository.list`).
 * Mirrors `canSeeOwner` in core/authz.ts: change both together.
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
  if (o.kind === 'organization') return organizationActors(db, [o.id])
  const orgs = Object.keys(p.orgs).map(Number)
  const own = db.selectFrom('user').select('actor_id').where('id', '=', o.id)
  return orgs.length === 0 ? own : own.union(organizationActors(db, orgs))
}

/** The actors of organizations `orgIds` (non-empty): each organization, its applications and their devices. */
export function organizationActors(db: Kysely<Database>, orgIds: number[]) {
  return db
    .selectFrom('organization')
    .select('actor_id')
    .where('id', 'in', orgIds)
    .union(db.selectFrom('application').select('actor_id').where('organization_id', 'in', orgIds))
    .union(
      db
        .selectFrom('device')
        .innerJoin('application', 'application.id', 'device.application_id')
        .select('device.actor_id')
        .where('application.organization_id', 'in', orgIds),
    )
}

export type VisibilityFilter = Expression<SqlBool> | null
