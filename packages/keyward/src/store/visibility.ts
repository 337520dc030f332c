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
  return userActors(db, o.id)
}

/**
 * Whose webhooks a principal lists: every user's for an admin (null), else its own user id
 * (applications and devices manage none: -1 matches nothing). Mirrors `canManageWebhook` in core/authz.ts.
 */
export function visibleWebhookOwner(p: Principal): number | null {
  if (p.owner.kind !== 'user') return -1
  return p.role === 'admin' ? null : p.owner.id
}

/**
 * What a member user sees: its own actor, its applications and their devices. A webhook of a
 * member receives events only about keys of these actors (store/webhook-outbox.ts), an admin's about all.
 */
export function userActors(db: Kysely<Database>, userId: number) {
  return db
    .selectFrom('user')
    .select('actor_id')
    .where('id', '=', userId)
    .union(db.selectFrom('application').select('actor_id').where('owner_user_id', '=', userId))
    .union(
      db
        .selectFrom('device')
        .innerJoin('application', 'application.id', 'device.application_id')
        .select('device.actor_id')
        .where('application.owner_user_id', '=', userId),
    )
}

export type VisibilityFilter = Expression<SqlBool> | null
