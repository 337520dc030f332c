/**
 * Wire types of named limits and identities (`/v1/identities`), pinned to the server's
 * schemas (`packages/keyward/src/http/limit-schemas.ts`) by `test/wire-types.test.ts`.
 */
import type { Refill } from './types.js'

/**
 * A named limit: at most `limit` credits per `window_s` seconds. Auto-applied limits are
 * checked on every verification (cost 1); the others when a verification names them.
 * The limit named `default` is the key's legacy `rate_limit`.
 */
export interface NamedLimit {
  name: string
  limit: number
  window_s: number
  auto_apply: boolean
}

/** A named limit as written: `auto_apply` defaults to false (`default` is always auto-applied). */
export type NamedLimitInput = Omit<NamedLimit, 'auto_apply'> & { auto_apply?: boolean }

/** A limit a verification checked, with what is left of it; `on` says whose limit it is. */
export interface CheckedLimit {
  name: string
  on: 'key' | 'identity'
  limit: number
  remaining: number
  reset_at: string
}

/** A customer's shared limits and credits: every key linked to it obeys them. */
export interface Identity {
  id: number
  /** Your id for the customer; unique per owner. */
  external_id: string
  meta: Record<string, unknown>
  ratelimits: NamedLimit[]
  /** Credits shared by its keys (null: none); verifications take `cost` from them. */
  remaining: number | null
  refill: Refill | null
  created_at: string
  updated_at: string
}

/** `PATCH /v1/identities/:id`. `null` clears credits or refill; `ratelimits: []` removes every limit. */
export interface UpdateIdentityInput {
  external_id?: string
  meta?: Record<string, unknown>
  ratelimits?: NamedLimitInput[]
  remaining?: number | null
  refill?: Refill | null
}

/** `POST /v1/identities`. */
export interface CreateIdentityInput extends UpdateIdentityInput {
  external_id: string
}

/** Filters of `GET /v1/identities`. */
export interface ListIdentitiesFilter {
  external_id?: string
  /** At most 100. */
  limit?: number
}
