/**
 * A small typed wrapper over Keyward's native API (`/v1`).
 */

import type {
  ActorKind,
  ApiKey,
  Application,
  AuditEvent,
  AuditFilter,
  AuditTargetType,
  CreatedKey,
  RolledKey,
  CreateKeyInput,
  DailyUsage,
  Device,
  Identity,
  KeyKind,
  KeyLimits,
  KeyPage,
  KeySortField,
  KeyStatus,
  ListKeysFilter,
  NamedLimit,
  NamedLimitInput,
  OwnerRef,
  MadeByKey,
  RevokedKey,
  UpdateIdentityInput,
  UpdateKeyInput,
  User,
  Session as AccountSession,
  Organization,
  OrgAbilities,
  Member,
  Invitation,
  CreatedInvitation,
  OrgRole,
} from '@keyward/client'

// The wire types are @keyward/client's (type-only: of the client, only `keyPrefixOf` is
// bundled), so the dashboard, the SDK and the server's schemas cannot drift apart.
export type {
  ActorKind,
  ApiKey,
  Application,
  AuditEvent,
  AuditFilter,
  AuditTargetType,
  CreatedKey,
  RolledKey,
  CreateKeyInput,
  DailyUsage,
  Device,
  Identity,
  KeyKind,
  KeyLimits,
  KeyPage,
  KeySortField,
  MadeByKey,
  RevokedKey,
  KeyStatus,
  NamedLimit,
  NamedLimitInput,
  UpdateIdentityInput,
  UpdateKeyInput,
  User,
  AccountSession,
  Organization,
  OrgAbilities,
  Member,
  Invitation,
  CreatedInvitation,
  OrgRole,
}
/** A key's owner. */
export type Owner = OwnerRef
/** `GET /v1/keys` filters and cursor. */
export type ListKeysQuery = ListKeysFilter
/** A sort direction. */
export type SortOrder = NonNullable<ListKeysFilter['order']>
/** The answer to a login. */
export interface Session {
  access_token: string
  expires_at: string
  user: User
}

/** One problem with one input field, from a `validation_failed` error's details. */
export interface FieldProblem {
  field: string
  message: string
}

/** An error answered by the API (or the network), with words fit to show a person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field-level problems keyed by body path without the `body.` prefix (`name`, `rate_limit.limit`). */
    readonly fields: Record<string, string> = {},
  ) {
    super(message)
  }
}

/** Any thrown value as an ApiError, so forms have one shape of error to show. */
export function toApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'unknown', e instanceof Error ? e.message : String(e))
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string; details?: unknown }
}

/** Turns the API's `details` (a list of `{field, message}` for validation errors) into a field → message map. */
function fieldsOf(details: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!Array.isArray(details)) return out
  for (const d of details as Partial<FieldProblem>[]) {
    if (typeof d?.field !== 'string' || typeof d.message !== 'string') continue
    const field = d.field.replace(/^(body|querystring|params)\.?/, '')
    out[field || '_'] = d.message
  }
  return out
}

function query(params: object): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && v !== null) q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** The API client bound to one session token; `onUnauthorized` runs when the session has ended server-side. */
export class Api {
  constructor(
    private readonly token: string | null,
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await fetch(`/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      })
    } catch {
      throw new ApiError(0, 'network', 'Keyward could not be reached. Check your connection and try again.')
    }
    if (res.status === 204) return undefined as T
    const text = await res.text()
    let json: unknown = undefined
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      /* a proxy's HTML error page: handled below */
    }
    if (!res.ok) {
      const e = (json as ErrorEnvelope | undefined)?.error
      if (res.status === 401 && this.token) this.onUnauthorized()
      throw new ApiError(
        res.status,
        e?.code ?? 'http_' + res.status,
        e?.message ?? `The server answered ${res.status} ${res.statusText}.`,
        fieldsOf(e?.details),
      )
    }
    return json as T
  }

  login(email: string, password: string) {
    return this.request<Session>('POST', '/auth/login', { email, password })
  }
  logout() {
    return this.request<void>('POST', '/auth/logout')
  }
  listOrganizations() {
    return this.request<{ organizations: Organization[] }>('GET', '/organizations')
  }
  createOrganization(name: string, handle: string) {
    return this.request<Organization>('POST', '/organizations', { name, handle })
  }
  updateOrganization(id: number, patch: { name?: string; handle?: string }) {
    return this.request<Organization>('PATCH', `/organizations/${id}`, patch)
  }
  deleteOrganization(id: number) {
    return this.request<void>('DELETE', `/organizations/${id}`)
  }
  listMembers(orgId: number) {
    return this.request<{ members: Member[] }>('GET', `/organizations/${orgId}/members`)
  }
  setMemberRole(orgId: number, userId: number, role: OrgRole) {
    return this.request<Member>('PATCH', `/organizations/${orgId}/members/${userId}`, { role })
  }
  removeMember(orgId: number, userId: number) {
    return this.request<void>('DELETE', `/organizations/${orgId}/members/${userId}`)
  }
  invite(orgId: number, email: string, role: OrgRole) {
    return this.request<CreatedInvitation>('POST', `/organizations/${orgId}/invitations`, { email, role })
  }
  listInvitations(orgId: number) {
    return this.request<{ invitations: Invitation[] }>('GET', `/organizations/${orgId}/invitations`)
  }
  revokeInvitation(orgId: number, id: number) {
    return this.request<void>('DELETE', `/organizations/${orgId}/invitations/${id}`)
  }
  acceptInvitation(token: string) {
    return this.request<{ invitation: Invitation; user: User }>('POST', '/invitations/accept', { token })
  }
  listKeys(q: ListKeysQuery) {
    return this.request<KeyPage>('GET', `/keys${query(q)}`)
  }
  getKey(id: number) {
    return this.request<ApiKey>('GET', `/keys/${id}`)
  }
  keyUsage(id: number, days = 30) {
    return this.request<{ days: DailyUsage[] }>('GET', `/keys/${id}/usage?days=${days}`)
  }
  createKey(input: CreateKeyInput) {
    return this.request<CreatedKey>('POST', '/keys', input)
  }
  updateKey(id: number, input: UpdateKeyInput) {
    return this.request<ApiKey>('PATCH', `/keys/${id}`, input)
  }
  disableKey(id: number) {
    return this.request<ApiKey>('POST', `/keys/${id}/disable`)
  }
  enableKey(id: number) {
    return this.request<ApiKey>('POST', `/keys/${id}/enable`)
  }
  /** Revokes a key; with `minted`, also every key made with it (the answer's `minted_revoked` counts them). */
  revokeKey(id: number, reason: string, minted = false) {
    return this.request<RevokedKey>('POST', `/keys/${id}/revoke`, {
      ...(reason && { reason }),
      ...(minted && { minted }),
    })
  }
  /** What revoking the key with `minted` would end now, for this viewer (`GET /keys/:id/made`). */
  keyMade(id: number) {
    return this.request<MadeByKey>('GET', `/keys/${id}/made`)
  }
  /** Ends the last roll's grace period: the old secret is refused at once. */
  endKeyGrace(id: number) {
    return this.request<RevokedKey>('POST', `/keys/${id}/end-grace`)
  }
  rollKey(id: number, gracePeriodS: number) {
    return this.request<RolledKey>('POST', `/keys/${id}/roll`, { grace_period_s: gracePeriodS })
  }
  deleteKey(id: number) {
    return this.request<void>('DELETE', `/keys/${id}`)
  }
  /** Users, newest first; `passwordSetByKeyId`: only those whose password that key chose (admins). */
  listUsers(passwordSetByKeyId?: number) {
    const only = passwordSetByKeyId === undefined ? '' : `&password_set_by_key_id=${passwordSetByKeyId}`
    return this.request<{ users: User[] }>('GET', `/users?limit=500${only}`)
  }
  createUser(input: { email: string; password: string; role: 'admin' | 'member' }) {
    return this.request<User>('POST', '/users', input)
  }
  setUserRole(id: number, role: 'admin' | 'member') {
    return this.request<User>('PATCH', `/users/${id}`, { role })
  }
  resetUserPassword(id: number, newPassword: string) {
    return this.request<void>('POST', `/users/${id}/password`, { new_password: newPassword })
  }
  deactivateUser(id: number) {
    return this.request<User>('POST', `/users/${id}/deactivate`)
  }
  reactivateUser(id: number) {
    return this.request<User>('POST', `/users/${id}/reactivate`)
  }
  deleteUser(id: number) {
    return this.request<void>('DELETE', `/users/${id}`)
  }
  changePassword(current: string, next: string) {
    return this.request<void>('POST', '/auth/password', { current_password: current, new_password: next })
  }
  listSessions() {
    return this.request<{ sessions: AccountSession[] }>('GET', '/auth/sessions')
  }
  endSession(id: number) {
    return this.request<void>('DELETE', `/auth/sessions/${id}`)
  }
  listApplications(organizationId?: number) {
    const q = query({ limit: 500, organization_id: organizationId })
    return this.request<{ applications: Application[] }>('GET', `/applications${q}`)
  }
  getApplication(id: number) {
    return this.request<Application>('GET', `/applications/${id}`)
  }
  createApplication(name: string, organizationId?: number) {
    return this.request<Application>('POST', '/applications', { name, organization_id: organizationId })
  }
  renameApplication(id: number, name: string) {
    return this.request<Application>('PATCH', `/applications/${id}`, { name })
  }
  deleteApplication(id: number) {
    return this.request<void>('DELETE', `/applications/${id}`)
  }
  /** Devices you see: of one application, or of one organization (the switcher's). */
  listDevices(of: { applicationId?: number; organizationId?: number } = {}) {
    const q = query({ application_id: of.applicationId, organization_id: of.organizationId, limit: 500 })
    return this.request<{ devices: Device[] }>('GET', `/devices${q}`)
  }
  getDevice(id: number) {
    return this.request<Device>('GET', `/devices/${id}`)
  }
  deleteDevice(id: number) {
    return this.request<void>('DELETE', `/devices/${id}`)
  }
  createDevice(applicationId: number, name: string) {
    return this.request<Device>('POST', '/devices', { application_id: applicationId, ...(name && { name }) })
  }
  listIdentities(externalId?: string) {
    return this.request<{ identities: Identity[] }>('GET', `/identities${query({ external_id: externalId })}`)
  }
  getIdentity(id: number) {
    return this.request<Identity>('GET', `/identities/${id}`)
  }
  createIdentity(externalId: string) {
    return this.request<Identity>('POST', '/identities', { external_id: externalId })
  }
  updateIdentity(id: number, input: UpdateIdentityInput) {
    return this.request<Identity>('PATCH', `/identities/${id}`, input)
  }
  deleteIdentity(id: number) {
    return this.request<void>('DELETE', `/identities/${id}`)
  }
  audit(q: AuditFilter) {
    return this.request<{ events: AuditEvent[] }>('GET', `/audit${query(q)}`)
  }
}
