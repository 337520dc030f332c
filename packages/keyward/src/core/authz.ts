import { KeywardError } from './errors.js'
import type { Owner, Principal } from './types.js'

/**
 * Whether a principal may see (and so manage) things owned by `owner`.
 * Admin users see everything; members their own actor, applications and devices;
 * an application itself and its devices; a device only itself.
 */
export function canSeeOwner(p: Principal, owner: Owner): boolean {
  const me = p.owner
  if (me.kind === 'user') return p.role === 'admin' || owner.userId === me.id
  if (me.kind === 'application') return owner.applicationId === me.id
  return owner.kind === 'device' && owner.id === me.id
}

/** Throws 403 unless the principal holds `scope` (a principal without a scope list holds all). */
export function requireScope(p: Principal, scope: string): void {
  if (p.scopes !== null && !p.scopes.includes(scope)) {
    throw new KeywardError('forbidden', `this credential lacks the "${scope}" scope`, { details: { required: scope } })
  }
}

/** Throws 403 unless the principal is an admin user (directly or through a user key). */
export function requireAdmin(p: Principal): void {
  if (!(p.owner.kind === 'user' && p.role === 'admin')) throw new KeywardError('forbidden', 'administrator rights required')
}

/** Scopes Keyward's own API understands. Keys may carry any other scope for the caller's own API. */
export const API_SCOPES = [
  'keys:read', 'keys:write', 'keys:verify',
  'users:read', 'users:write',
  'applications:read', 'applications:write',
  'devices:read', 'devices:write',
  'audit:read',
] as const
