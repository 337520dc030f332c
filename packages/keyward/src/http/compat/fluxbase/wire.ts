import { type Static, Type } from 'typebox'
import { defaultLimit } from '../../../core/limits.js'
import type { ApiKey, RateLimit, User } from '../../../core/types.js'
import { Nullable } from '../../schemas.js'

/** Fluxbase's default when `rate_limit_per_minute` is absent or 0. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 100

export const FluxbaseErrorBody = Type.Object({
  error: Type.String(),
  code: Type.Optional(Type.String()),
  required_scope: Type.Optional(Type.String()),
  retry_after: Type.Optional(Type.Integer()),
})

/** Fluxbase `User`: string id (= keys' `user_id`), always-verified email, Keyward's role. */
export const FluxbaseUserBody = Type.Object({
  id: Type.String(),
  email: Type.String(),
  email_verified: Type.Boolean(),
  role: Type.String(),
  metadata: Nullable(Type.Object({})),
  created_at: Type.String(),
  updated_at: Type.String(),
})
export const toFluxbaseUser = (u: User): Static<typeof FluxbaseUserBody> => ({
  id: String(u.id),
  email: u.email,
  email_verified: true,
  role: u.role,
  metadata: null,
  created_at: u.createdAt,
  updated_at: u.createdAt,
})

/** Fluxbase `APIKey` / `ClientKey`: every field present, null when unset. */
export const FluxbaseKeyBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  key_prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  rate_limit_per_minute: Type.Integer(),
  user_id: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  expires_at: Nullable(Type.String()),
  revoked_at: Nullable(Type.String()),
  last_used_at: Nullable(Type.String()),
  disabled_at: Nullable(Type.String()),
})

/** A user key as Fluxbase shows it; a limit over another window is shown per minute (0: none). */
export const toFluxbaseKey = (k: ApiKey): Static<typeof FluxbaseKeyBody> => ({
  id: String(k.id),
  name: k.name ?? '',
  description: k.description,
  key_prefix: k.keyPrefix,
  scopes: k.scopes,
  rate_limit_per_minute: perMinute(defaultLimit(k.ratelimits)),
  user_id: String(k.owner.id),
  created_at: k.createdAt,
  updated_at: k.updatedAt,
  expires_at: k.expiresAt,
  revoked_at: k.revokedAt,
  last_used_at: k.lastUsedAt,
  // Fluxbase has no status: a key its person's deactivation switches off (`isSwitchedOff`) reads as disabled since then.
  disabled_at: k.disabledAt ?? k.userDeactivatedAt,
})

const perMinute = (rl: RateLimit | null) => (rl ? Math.round((rl.limit * 60) / rl.window_s) : 0)

/** `rate_limit_per_minute` onto the native limiter's `{limit, window_s: 60}`; absent or 0 is Fluxbase's default. */
export const toRateLimit = (perMinute: number | undefined) => ({
  limit: perMinute || DEFAULT_RATE_LIMIT_PER_MINUTE,
  window_s: 60,
})
