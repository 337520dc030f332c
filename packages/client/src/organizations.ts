import { KeywardError } from './errors.js'
import type { Transport } from './transport.js'
import { idPath } from './transport.js'
import type { User } from './types.js'

/** A role in an organization, weakest first: viewer, member, admin, owner. */
export type OrgRole = 'viewer' | 'member' | 'admin' | 'owner'

/** An organization: owns applications (with their devices and keys) and keys of its own. */
export interface Organization {
  id: number
  actor_id: number
  handle: string
  name: string
  /** A user's personal organization, made at sign-up. */
  personal: boolean
  created_at: string
  /**
   * Your role in it: your membership, in a session or through your keys; an organization's own key acts as a
   * `member` of it. Null for an instance admin who is not a member (`can` says what they may: everything).
   */
  role: OrgRole | null
  /** What you may do in it, by your role and your credential's scopes: the server's own rules. */
  can: OrgAbilities
}

/**
 * What the caller may do in an organization, as the server decides it. Refusals about one thing (the last owner,
 * a personal organization or one still owning applications, a key's bounds) still come from the call itself.
 */
export interface OrgAbilities {
  /** Rename it or change its handle (admins). */
  update: boolean
  /** Delete it (owners). */
  delete: boolean
  /** Invite, list and revoke invitations, change roles below owner, remove members (admins). */
  manage_members: boolean
  /** Make, demote, remove or invite owners (owners). */
  manage_owners: boolean
  /** Create applications in it (members, as a person). */
  create_applications: boolean
  /** Rename and delete its applications (admins). */
  manage_applications: boolean
  /** Add devices to its applications (members). */
  create_devices: boolean
  /** Delete its devices (members). */
  remove_devices: boolean
  /** Create keys of its applications and devices (members). */
  create_keys: boolean
  /** Create the organization's own keys, each then its creator's to manage (members). */
  create_organization_keys: boolean
}

/** A member of an organization. */
export interface Member {
  user_id: number
  email: string
  username: string
  role: OrgRole
  created_at: string
}

/** An invitation (its token is answered once by `invite`, or mailed to the invitee). */
export interface Invitation {
  id: number
  organization_id: number
  email: string
  role: OrgRole
  invited_by_user_id: number | null
  created_at: string
  expires_at: string
  accepted_at: string | null
  revoked_at: string | null
  /**
   * Listings only: whether it can be accepted now (false once expired, or once its maker may no longer invite:
   * its key revoked, its maker demoted or deactivated).
   */
  usable?: boolean
}

/**
 * `POST /v1/organizations/:id/invitations`. The token is in one place: this answer (shown once, to hand to the
 * invitee) when the server has no mail server, or else only the mail sent to the invitee (`token` null).
 */
export interface CreatedInvitation {
  invitation: Invitation
  /** The invitation token, shown only here; null when it was mailed (then it is only in the invitee's mail). */
  token: string | null
  /** Whether the server mailed it to the invitee (`KEYWARD_SMTP_URL`). */
  mailed: boolean
}

/** An organization by id, or by handle (looked up in the caller's list). */
export type OrgRef = number | string

/** `kw.organizations`: organizations, members and invitations. */
export class Organizations {
  constructor(private readonly http: Transport) {}

  create(input: { name: string; handle: string }): Promise<Organization> {
    return this.http.request('POST', '/v1/organizations', { body: input })
  }

  /** The organizations the caller belongs to (instance admins: all). */
  async list(): Promise<Organization[]> {
    return (await this.http.request<{ organizations: Organization[] }>('GET', '/v1/organizations')).organizations
  }

  /** One organization by id or handle; `not_found` when the caller is not in it. */
  async get(ref: OrgRef): Promise<Organization> {
    if (typeof ref === 'number') return this.http.request('GET', idPath('/v1/organizations', ref))
    const found = (await this.list()).find((o) => o.handle === ref.toLowerCase())
    if (found) return found
    throw new KeywardError('not_found', `organization "${ref}" not found`, { status: 404 })
  }

  async update(ref: OrgRef, patch: { name?: string; handle?: string }): Promise<Organization> {
    return this.http.request('PATCH', await this.path(ref), { body: patch })
  }

  async delete(ref: OrgRef): Promise<void> {
    await this.http.request('DELETE', await this.path(ref))
  }

  async members(ref: OrgRef): Promise<Member[]> {
    return (await this.http.request<{ members: Member[] }>('GET', `${await this.path(ref)}/members`)).members
  }

  /** Changes a member's role (owners make owners: that is how an organization is transferred). */
  async setRole(ref: OrgRef, userId: number, role: OrgRole): Promise<Member> {
    return this.http.request('PATCH', `${await this.path(ref)}/members/${userId}`, { body: { role } })
  }

  /** Removes a member (or yourself: leaving); their sessions end at once. */
  async removeMember(ref: OrgRef, userId: number): Promise<void> {
    await this.http.request('DELETE', `${await this.path(ref)}/members/${userId}`)
  }

  /**
   * Invites by email. Without a mail server on the server, the answer holds the token, shown once; with one, it is
   * mailed to the invitee only (`token` null), and a mail the server could not send is `mail_failed` (502).
   */
  async invite(ref: OrgRef, input: { email: string; role: OrgRole }): Promise<CreatedInvitation> {
    return this.http.request('POST', `${await this.path(ref)}/invitations`, { body: input })
  }

  /** Pending invitations (admins). */
  async invitations(ref: OrgRef): Promise<Invitation[]> {
    return (await this.http.request<{ invitations: Invitation[] }>('GET', `${await this.path(ref)}/invitations`))
      .invitations
  }

  async revokeInvitation(ref: OrgRef, invitationId: number): Promise<void> {
    await this.http.request('DELETE', `${await this.path(ref)}/invitations/${invitationId}`)
  }

  private async path(ref: OrgRef): Promise<string> {
    return idPath('/v1/organizations', typeof ref === 'number' ? ref : (await this.get(ref)).id)
  }
}

/** `kw.invitations`: accepting one. */
export class Invitations {
  constructor(private readonly http: Transport) {}

  /**
   * Accepts an invitation: signed in (the client's token), or with `password` to open a new
   * account for the invited email (then log in with it).
   */
  accept(input: { token: string; password?: string }): Promise<{ invitation: Invitation; user: User }> {
    return this.http.request('POST', '/v1/invitations/accept', { body: input })
  }
}
