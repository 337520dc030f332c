import { type Static, Type } from 'typebox'
import type { Invitation } from '../store/invitation-repository.js'
import type { Membership, Organization } from '../store/org-repository.js'
import { HANDLE_PATTERN } from '../services/orgs/org-service.js'
import { Nullable, Password } from './schemas.js'
import { MAX_ROW_ID } from '../core/types.js'

const Id = Type.Integer({ minimum: 1, maximum: MAX_ROW_ID })
/** Organization roles, weakest first (core/authz.ts `ORG_ROLES`). */
export const OrgRoleSchema = Type.Union([
  Type.Literal('viewer'),
  Type.Literal('member'),
  Type.Literal('admin'),
  Type.Literal('owner'),
])

/** An organization on the wire. */
export const OrganizationBody = Type.Object({
  id: Id,
  actor_id: Id,
  handle: Type.String(),
  name: Type.String(),
  personal: Type.Boolean(),
  created_at: Type.String(),
})
export const toOrganizationWire = (o: Organization): Static<typeof OrganizationBody> => ({
  id: o.id,
  actor_id: o.actorId,
  handle: o.handle,
  name: o.name,
  personal: o.personalUserId !== null,
  created_at: o.createdAt,
})

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
  /** Shown once: only its SHA-256 is stored. */
  token: Type.String(),
  /** Whether it was also mailed (`KEYWARD_SMTP_URL`). */
  mailed: Type.Boolean(),
})
export const AcceptInvitationBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.Optional(Password),
  },
  { additionalProperties: false },
)
