import type { Owner } from './types.js'

export const VERIFY_CODES = [
  'VALID',
  'MALFORMED',
  'NOT_FOUND',
  'EXPIRED',
  'DISABLED',
  'REVOKED',
  'INSUFFICIENT_SCOPES',
  'USAGE_EXCEEDED',
  'RATE_LIMITED',
  /** The key's restrictions (ip_allow, origin_allow) refuse the call's context, or the context does not say. */
  'FORBIDDEN_CONTEXT',
] as const
export type VerifyCode = (typeof VERIFY_CODES)[number]

export interface RateLimitState {
  limit: number
  remaining: number
  reset_at: string
}

/** Outcome of verifying a key: a value, not an error (the verify endpoint answers 200 either way). */
export interface VerifyResult {
  valid: boolean
  code: VerifyCode
  keyId?: number
  owner?: Owner
  scopes?: string[]
  meta?: Record<string, unknown>
  expiresAt?: string | null
  /** Set when the secret is a rolled-away one (a roll's grace period): when it stops working (as `expiresAt`). */
  graceEndsAt?: string
  remaining?: number | null
  /** The limit behind RATE_LIMITED, else the key's `default` limit (the single limit of older clients). */
  ratelimit?: RateLimitState
  /** Every named limit the verification checked (key's and identity's). */
  ratelimits?: (RateLimitState & { name: string; on: 'key' | 'identity' })[]
}
