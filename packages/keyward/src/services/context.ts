import type { Principal } from '../core/types.js'

/** Who asks, and from where: passed to every use case that changes something. */
export interface RequestContext {
  principal: Principal
  ip: string | null
}
