import { type Producer, UNBOUNDED, boundsOfKey } from '../core/authz.js'
import { KeywardError, producerRevoked } from '../core/errors.js'
import { secretEnd } from '../core/key-view.js'
import { isSwitchedOff } from '../core/policy.js'
import type { Principal } from '../core/types.js'
import type { KeyRepository } from '../store/key-repository.js'

/** Who asks, and from where: passed to every use case that changes something. */
export interface RequestContext {
  principal: Principal
  ip: string | null
}

/**
 * Who a change is recorded as: a caller, or the system itself (`principal: null`) acting on an
 * authority that is not a caller, such as a leak report. It can only take rights away.
 */
export type AuditContext = RequestContext | { principal: null; ip: string | null }

/**
 * The caller as the derivation rule (`excessRights` in core/authz.ts) sees it:
 * its principal and the bounds of the key it presents, read fresh from the store
 * (a write is never served from the verify cache). Its scopes are those the key
 * holds in the store: a face's translation (Fluxbase's `write:clientkeys` read as
 * `keys:write`) lets the key do what it names on that face, never hand out the
 * native scope. A session has no key and no bounds. A credential whose secret is a
 * rolled-away one (`graceEndsAt`) ends, as a producer, when its grace period does.
 */
export async function producerOf(ctx: RequestContext, keys: Pick<KeyRepository, 'findById'>): Promise<Producer> {
  const { principal } = ctx
  if (principal.keyId === null) return { principal, bounds: UNBOUNDED }
  const key = await keys.findById(principal.keyId)
  if (!key) throw new KeywardError('unauthorized', 'the key this request presents no longer exists')
  // The verify cache may not have heard yet of a revoke or disable on another node: a write
  // reads the key fresh, and a dead key produces nothing (KeyLineage's invariant 2).
  if (key.revokedAt !== null || isSwitchedOff(key)) throw producerRevoked()
  const scopes = narrowest(principal.scopes, key.scopes.length > 0 ? key.scopes : null)
  const bounds = boundsOfKey(key)
  return {
    principal: { ...principal, scopes },
    // A rolled-away secret dies when its grace period ends: so does its producing power, or
    // whoever the roll shut out could use the window to mint keys that outlive it.
    bounds: { ...bounds, expiresAt: secretEnd(bounds.expiresAt, principal.graceEndsAt) },
  }
}

/** The scopes held under both lists (null: full rights). */
function narrowest(a: readonly string[] | null, b: readonly string[] | null): string[] | null {
  if (a === null) return b && [...b]
  return b === null ? [...a] : a.filter((s) => b.includes(s))
}
