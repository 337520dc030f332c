import { type Static, Type } from 'typebox'
import type { Invitation } from '../store/invitation-repository.js'
import type { Membership, Organization } from '../store/org-repository.js'
import { HANDLE_PATTERN } from '../services/orgs/org-service.js'
import { ErrorBody, Nullable, Password } from './schemas.js'
import { MAX_ROW_ID, type Principal } from '../core/types.js'
import { callerOrgRole, orgAbilities } from '../core/org-abilities.js'

const Id = Type.Integer({ minimum: 1, maximum: MAX_ROW_ID })
/** Organization roles, weakest first (core/authz.ts `ORG_ROLES`). */
export const OrgRoleSchema = Type.Union([
  Type.Literal('viewer'),
  Type.Literal('member'),
  Type.Literal('admin'),
  Type.Literal('owner'),
])

const Can = (description: string) => Type.Boolean({ description })

/** What the caller may do in an organization (`orgAbilities`, core/org-abilities.ts), by its role and scopes. */
export const OrgAbilitiesBody = Type.Object(
  {
    update: Can('Rename it or change its handle (admins).'),
    delete: Can('Delete it (owners; a personal organization, or one owning applications, still answers 409).'),
    manage_members: Can('Invite, list and revoke invitations, change roles below owner, remove members (admins).'),
    manage_owners: Can('Make, demote, remove or invite owners (owners).'),
    create_applications: Can('Create applications in it (members, as a person: not an organization key).'),
    manage_applications: Can('Rename and delete its applications (admins).'),
    create_devices: Can('Add devices to its applications (members).'),
    remove_devices: Can('Delete its devices (members).'),
    create_keys: Can('Create keys of its applications and devices (members).'),
    create_organization_keys: Can("Create the organization's own keys, each then its creator's to manage (members)."),
  },
  {
    description:
      "What the caller may do in it, by its role and its credential's scopes: the rules the routes apply. " +
      "Refusals about one thing (the last owner, a key's bounds) still come from the route.",
  },
)

/** An organization on the wire, as the caller sees it: with the caller's role and abilities in it. */
export const OrganizationBody = Type.Object({
  id: Id,
  actor_id: Id,
  handle: Type.String(),
  name: Type.String(),
  personal: Type.Boolean(),
  created_at: Type.String(),
  role: Type.Union([OrgRoleSchema, Type.Null()], {
    description:
      "The caller's role in it: a person's membership (in a session or through their keys); an organization's own " +
      'key acts as a member of it. Null for an instance admin who is not a member (`can` still says what they may).',
  }),
  can: OrgAbilitiesBody,
})
export const toOrganizationWire = (o: Organization, caller: Principal): Static<typeof OrganizationBody> => {
  const can = orgAbilities(caller, o.id)
  return {
    id: o.id,
    actor_id: o.actorId,
    handle: o.handle,
    name: o.name,
    personal: o.personalUserId !== null,
    created_at: o.createdAt,
    role: callerOrgRole(caller, o.id),
    can: {
      update: can.update,
      delete: can.delete,
      manage_members: can.manageMembers,
      manage_owners: can.manageOwners,
      create_applications: can.createApplications,
      manage_applications: can.manageApplications,
      create_devices: can.createDevices,
      remove_devices: can.removeDevices,
      create_keys: can.createKeys,
      create_organization_keys: can.createOrganizationKeys,
    },
  }
}

/** A member on the wire. */
export const MemberBody = Type.Object({
  user_id: Id,
  email: Type.String(),
  username: Type.String(),
  role: OrgRoleSchema,
  created_at: Type.String(),
})
export const toMemberWire = (m: Membership): Static<typeof MemberBody> => ({
  user_id: m.userId,
  email: m.email,
  username: m.username,
  role: m.role,
  created_at: m.createdAt,
})

/** An invitation on the wire: never its token (answered once, by creation, beside it). */
export const InvitationBody = Type.Object({
  id: Id,
  organization_id: Id,
  email: Type.String(),
  role: OrgRoleSchema,
  invited_by_user_id: Nullable(Id),
  created_at: Type.String(),
  expires_at: Type.String(),
  accepted_at: Nullable(Type.String()),
  revoked_at: Nullable(Type.String()),
  usable: Type.Optional(
    Type.Boolean({
      description:
        'Listings only: whether it can be accepted now. False once it expired, or once whoever made it may no ' +
        'longer invite with its role (its key revoked, disabled or expired; its maker demoted or deactivated).',
    }),
  ),
})
export const toInvitationWire = (i: Invitation & { usable?: boolean }): Static<typeof InvitationBody> => ({
  id: i.id,
  organization_id: i.organizationId,
  email: i.email,
  role: i.role,
  invited_by_user_id: i.invitedByUserId,
  created_at: i.createdAt,
  expires_at: i.expiresAt,
  accepted_at: i.acceptedAt,
  revoked_at: i.revokedAt,
  ...(i.usable !== undefined && { usable: i.usable }),
})

const Handle = Type.String({ minLength: 1, maxLength: 64, pattern: HANDLE_PATTERN })
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) // as a key's name: not spaces only

export const CreateOrganizationBody = Type.Object({ name: Name, handle: Handle }, { additionalProperties: false })
export const UpdateOrganizationBody = Type.Object(
  { name: Type.Optional(Name), handle: Type.Optional(Handle) },
  { additionalProperties: false, minProperties: 1 },
)
export const MemberParams = Type.Object({ id: Id, user_id: Id })
export const InvitationParams = Type.Object({ id: Id, invitation_id: Id })
export const SetRoleBody = Type.Object({ role: OrgRoleSchema }, { additionalProperties: false })
export const CreateInvitationBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 320 }), role: OrgRoleSchema },
  { additionalProperties: false },
)
export const CreatedInvitationBody = Type.Object({
  invitation: InvitationBody,
  token: Nullable(
    Type.String({
      description:
        'The invitation token, shown once (only its SHA-256 is stored), for the inviter to hand over; null when it ' +
        "was mailed: with a mail server the invitee's mailbox is its only channel.",
    }),
  ),
  mailed: Type.Boolean({
    description: 'Whether it was mailed to the invitee (`KEYWARD_SMTP_URL`), then in the mail only.',
  }),
})
/** 502 `mail_failed`: with a mail server the token goes by mail only, so a mail not sent is an invitation not made. */
export const MailFailedBody = Type.Object(ErrorBody.properties, {
  description:
    '`mail_failed`: the mail server did not take the invitation mail (unreachable, or it refused the address). ' +
    'No token is answered, and the invitation was revoked.',
})
export const AcceptInvitationBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.Optional(Password),
  },
  { additionalProperties: false },
)
