import {
  canManageApplications,
  canManageOwner,
  canRemoveDevice,
  creatorActorOf,
  holdsOrgRole,
  holdsScope,
  orgRoleOf,
} from './authz.js'
import type { ActorKind, OrgRole, Owner, Principal } from './types.js'

/**
 * What a caller may do in one organization: each the role rule and scope its service applies (core/authz.ts),
 * asked for any thing of that kind in the organization. Clients show only what these allow, so the rules stay here.
 * What depends on one thing stays the server's to refuse: the last owner, a personal organization or one still
 * owning applications (409), an organization key made by another member, a key's own bounds.
 */
export interface OrgAbilities {
  /** Rename it, change its handle (`OrgService.update`): admins. */
  update: boolean
  /** Delete it (`OrgService.delete`): owners. */
  delete: boolean
  /** Invite, list and revoke invitations, change roles below owner, remove members (`MembershipService`): admins. */
  manageMembers: boolean
  /** Make, demote or remove owners, invite one: owners. */
  manageOwners: boolean
  /** Create applications in it (`OwnerService.createApplication`): members, in a session or through their keys. */
  createApplications: boolean
  /** Rename and delete its applications (`canManageApplications`): admins. */
  manageApplications: boolean
  /** Add devices to its applications (`OwnerService.createDevice`): members. */
  createDevices: boolean
  /** Delete its devices (`canRemoveDevice`): members. */
  removeDevices: boolean
  /** Create keys of its applications and devices (`KeyService`, `canManageOwner`): members. */
  createKeys: boolean
  /** Create keys the organization owns, each then its creator's to manage (`canManageOwner`): members. */
  createOrganizationKeys: boolean
}

/**
 * Whether `p` may change a key owned by `owner` and made by `createdByActorId` (update, disable, enable, roll, end
 * grace, revoke, delete): the two checks each of those calls makes first (`KeyService.findVisible` in `manage` mode,
 * after `requireScope(p, 'keys:write')`), so a client shows a key's actions only when these allow them (the wire's
 * `can_manage`). What depends on more stays the call's to refuse: a key changing a key it was made from, rights the
 * caller lacks (a roll or enable hands back every right the key has), a rolled-away secret rolling.
 */
export const canManageKey = (p: Principal, owner: Owner, createdByActorId: number | null): boolean =>
  holdsScope(p, 'keys:write') && canManageOwner(p, owner, createdByActorId)

/** The caller's role in organization `orgId`, or null: an instance admin who is not a member (`orgRoleOf`). */
export const callerOrgRole = (p: Principal, orgId: number): OrgRole | null => orgRoleOf(p, orgId) ?? null

/** What `p` may do in organization `orgId` (`OrgAbilities`); on top of seeing it (`canSeeOrganization`). */
export function orgAbilities(p: Principal, orgId: number): OrgAbilities {
  const may = (scope: string, rule: boolean) => rule && holdsScope(p, scope)
  const anyIn = (kind: ActorKind) => anyOwnerIn(kind, orgId)
  return {
    update: may('organizations:write', holdsOrgRole(p, orgId, 'admin')),
    delete: may('organizations:write', holdsOrgRole(p, orgId, 'owner')),
    manageMembers: may('organizations:write', holdsOrgRole(p, orgId, 'admin')),
    manageOwners: may('organizations:write', holdsOrgRole(p, orgId, 'owner')),
    createApplications: may('applications:write', p.owner.kind === 'user' && holdsOrgRole(p, orgId, 'member')),
    manageApplications: may('applications:write', canManageApplications(p, orgId)),
    createDevices: may('devices:write', canManageOwner(p, anyIn('application'), null)),
    removeDevices: may('devices:write', canRemoveDevice(p, anyIn('device'))),
    createKeys: may('keys:write', canManageOwner(p, anyIn('application'), null)),
    createOrganizationKeys: may('keys:write', canManageOwner(p, anyIn('organization'), creatorActorOf(p))),
  }
}

/**
 * The organization `orgId` itself, or any application or device of it: for people and organization keys (the callers
 * that see organizations) the rules read only its kind and organization. Id 0 is no row's, so no fleet key is it.
 */
const anyOwnerIn = (kind: ActorKind, orgId: number): Owner => ({
  kind,
  id: kind === 'organization' ? orgId : 0,
  actorId: 0,
  userId: 0,
  applicationId: 0,
  organizationId: orgId,
})
