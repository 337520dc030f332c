import { defaultLimit, normalizeLimits, withDefaultLimit } from '../../core/limits.js'
import { invalid } from '../../core/errors.js'
import type { NamedLimit, RateLimit } from '../../core/types.js'

/** A named limit as a request gives it (`auto_apply` optional). */
export interface NamedLimitInput {
  name: string
  limit: number
  window_s: number
  auto_apply?: boolean
}

/** The limit fields of a key or identity write: the list, or (keys, legacy wire) the single `default` limit. */
export interface LimitsInput {
  ratelimits?: readonly NamedLimitInput[]
  rate_limit?: RateLimit | null
}

/**
 * The named limits after a write: `ratelimits` replaces the list; the legacy `rate_limit`
 * replaces only the `default` entry (so a Fluxbase or older client keeps the other limits);
 * undefined when the write touches neither. Both at once is ambiguous: a 400.
 */
export function limitsAfter(current: readonly NamedLimit[], input: LimitsInput): NamedLimit[] | undefined {
  if (input.ratelimits !== undefined && input.rate_limit !== undefined)
    throw invalid('give ratelimits or rate_limit (the limit named "default"), not both', { field: 'rate_limit' })
  if (input.ratelimits !== undefined) return normalizeLimits(input.ratelimits)
  if (input.rate_limit !== undefined) return withDefaultLimit(current, input.rate_limit)
  return undefined
}

/** The wire pair of a stored list: the list, and its `default` entry as the legacy `rate_limit`. */
export function limitsWire(list: readonly NamedLimit[]): { ratelimits: NamedLimit[]; rate_limit: RateLimit | null } {
  return { ratelimits: list.map((l) => ({ ...l })), rate_limit: defaultLimit(list) }
}
