import { WILDCARD_SCOPE as WILDCARD } from '../../../core/authz.js'
import { KeywardError } from '../../../core/errors.js'
import type { RequestContext } from '../../../services/context.js'

/** Fluxbase's key-management scopes (both vocabularies, and its wildcard), and the native scope each means. */
const MANAGEMENT = {
  read: { names: ['read:clientkeys', 'clientkeys:read'], native: 'keys:read' },
  write: { names: ['write:clientkeys', 'clientkeys:write'], native: 'keys:write' },
} as const

/**
 * Translates Fluxbase's scope vocabulary for a key-authenticated call: a key
 * needs Fluxbase's management scope (or `*`, or the native one), else 403 naming
 * it. The context passed on holds the native equivalents of the management
 * scopes it has (`*` has both) and nothing more: `*` is a label for Fluxbase's
 * own scopes, never Keyward's full rights, so KeyService's derivation rule
 * (core/authz.ts) still refuses anything wider than the key. Sessions and
 * unscoped keys (full rights) pass as they are.
 */
export function managementContext(ctx: RequestContext, access: 'read' | 'write'): RequestContext {
  const held = ctx.principal.scopes
  if (held === null) return ctx
  const holds = (a: 'read' | 'write') =>
    held.includes(WILDCARD) || held.includes(MANAGEMENT[a].native) || MANAGEMENT[a].names.some((n) => held.includes(n))
  if (!holds(access)) {
    throw new KeywardError('forbidden', 'Insufficient permissions', {
      details: { required_scope: MANAGEMENT[access].names[0] },
    })
  }
  const native = (['read', 'write'] as const).filter(holds).map((a) => MANAGEMENT[a].native)
  return { ...ctx, principal: { ...ctx.principal, scopes: [...new Set([...held, ...native])] } }
}
