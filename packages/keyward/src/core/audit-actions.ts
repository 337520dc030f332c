/**
 * Every action the audit log records, one place. `AuditLog.record` takes only these (a new
 * action does not compile until it is listed), and `GET /v1/audit?action=` refuses any other
 * name with a 400 that lists them: a filter by a misspelt name, or by a webhook event name
 * (`key.revoked` for `key.revoke`), answered an empty log, read as "nothing happened".
 */
export const AUDIT_ACTIONS = [
  'application.create',
  'application.delete',
  'application.update',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.realm_login',
  'auth.realm_logout',
  'auth.session_end',
  'device.create',
  'device.delete',
  'identity.create',
  'identity.delete',
  'identity.update',
  'key.create',
  'key.delete',
  'key.disable',
  'key.enable',
  'key.end_grace',
  'key.import',
  'key.leaked',
  'key.revoke',
  'key.revoke_minted',
  'key.roll',
  'key.secret_refused',
  'key.update',
  'organization.create',
  'organization.delete',
  'organization.invitation.create',
  'organization.invitation.revoke',
  'organization.member.add',
  'organization.member.remove',
  'organization.member.role',
  'organization.update',
  'user.bootstrap',
  'user.create',
  'user.deactivate',
  'user.delete',
  'user.password_change',
  'user.password_reset',
  'user.reactivate',
  'user.role_change',
  'webhook.create',
  'webhook.delete',
  'webhook.end_overlap',
  'webhook.rotate_secret',
  'webhook.test',
  'webhook.update',
] as const

export type AuditAction = (typeof AUDIT_ACTIONS)[number]

/**
 * What an entry can be about (`target_type`). An id alone names nothing: user 1, key 1 and identity 1
 * share it, and the admin's many sign-ins (`user:1`) crowded key 1's entries off its page (a new user's
 * find). `GET /v1/audit?target_type=` takes only these, as `action=` does.
 */
export const AUDIT_TARGET_TYPES = [
  'api_key',
  'application',
  'device',
  'identity',
  'organization',
  'realm_session',
  'session',
  'user',
  'webhook',
] as const

export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number]

export const isAuditTargetType = (s: string): s is AuditTargetType =>
  (AUDIT_TARGET_TYPES as readonly string[]).includes(s)
