import type { Expression, Kysely, SelectQueryBuilder, SqlBool } from 'kysely'
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

/**
 * Of keys `ids`, those `p` may see — the read rule above applied to keys named by another
 * key's `created_by_key_id`, which is shown only to a reader who may see the key it names
 * (`KeyService.withVisibleCreators`); null: every key (an admin user). One query per answer.
 * Mirrors `canSeeOwner` in core/authz.ts like the rest of this file.
 */
export async function visibleKeyIds(
  db: Kysely<Database>,
  p: Principal,
  ids: readonly number[],
): Promise<Set<number> | null> {
  const actors = visibleActors(db, p)
  if (actors === null) return null
  if (ids.length === 0) return new Set()
  const rows = await db
    .selectFrom('api_key')
    .select('id')
    .where('id', 'in', ids)
    .where('actor_id', 'in', actors)
    .execute()
  return new Set(rows.map((r) => r.id))
}

/**
 * Whose webhooks a principal lists: every user's for an admin (null), else its own user id
 * (organizations, applications and devices manage none: -1 matches nothing). Mirrors
 * `canManageWebhook` (`canManageOwner` on the owning user) in core/authz.ts.
 */
export function visibleWebhookOwner(p: Principal): number | null {
  if (p.owner.kind !== 'user') return -1
  return p.role === 'admin' ? null : p.owner.id
}

/**
 * What a member user sees, read from the store (webhook delivery runs without a Principal):
 * its own actor and the actors of every organization it belongs to now — the user branch of
 * `visibleActors` with `Principal.orgs` read from `organization_membership`, less organizations
 * whose deletion has begun. A webhook of a member receives events only about keys of these actors
 * (store/webhook-outbox.ts), an admin's about all.
 */
export function userActors(db: Kysely<Database>, userId: number) {
  const own = db.selectFrom('user').select('actor_id').where('id', '=', userId)
  return own.union(organizationActors(db, memberOrgIds(db, userId)))
}

/**
 * The organizations user `userId` belongs to now, less those whose deletion has begun: an organization being deleted
 * is no longer heard of by its members (migration 0017 says why). `userActors`' organizations; a webhook of a member
 * also hears of events written about these organizations' keys (`key_event.organization_id`, migration 0039).
 */
export function memberOrgIds(db: Kysely<Database>, userId: number) {
  return db
    .selectFrom('organization_membership')
    .innerJoin('organization', 'organization.id', 'organization_membership.organization_id')
    .select('organization_membership.organization_id')
    .where('organization_membership.user_id', '=', userId)
    .where('organization.deleting_at', 'is', null)
}

/** Organization ids, as a list or a subquery of them. */
type OrgIds = number[] | SelectQueryBuilder<Database, keyof Database, { organization_id: number }>

/** The actors of organizations `orgIds` (non-empty): each organization, its applications and their devices. */
export function organizationActors(db: Kysely<Database>, orgIds: OrgIds) {
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
