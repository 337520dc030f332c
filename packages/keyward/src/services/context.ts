import { type Producer, UNBOUNDED, boundsOfKey } from '../core/authz.js'
import { KeywardError } from '../core/errors.js'
import type { Principal } from '../core/types.js'
import type { KeyRepository } from '../store/key-repository.js'

/** Who asks, and from where: passed to every use case that changes something. */
export interface RequestContext {
  principal: Principal
  ip: string | null
}

/**
 * The caller as the derivation rule (`excessRights` in core/authz.ts) sees it:
 * its principal and the bounds of the key it presents, read fresh from the store
 * (a write is never served from the verify cache). A session has no key and no bounds.
 */
export async function producerOf(ctx: RequestContext, keys: Pick<KeyRepository, 'findById'>): Promise<Producer> {
  const { principal } = ctx
  if (principal.keyId === null) return { principal, bounds: UNBOUNDED }
  const key = await keys.findById(principal.keyId)
  if (!key) throw new KeywardError('unauthorized', 'the key this request presents no longer exists')
  return { principal, bounds: boundsOfKey(key) }
}
