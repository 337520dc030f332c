/** The key form's state (text as typed) and its conversion to the API's fields. */
import { ApiError, type ApiKey, type KeyLimits } from '../../api'
import { typedNumber } from '../../format'
import { type LimitRow, limitOfRow, limitRowOf } from '../limits/limit-rows'

/** Expiry choices: presets, a custom date, never, or (when editing) leave it as it is. */
export type ExpiryChoice = 'keep' | '7d' | '30d' | '1y' | 'never' | 'custom'
const PRESET_MS: Record<'7d' | '30d' | '1y', number> = {
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
  '1y': 365 * 86_400_000,
}

/** The form's text state: everything as typed, converted to the API's shape only on submit. */
export interface KeyFormState {
  name: string
  description: string
  scopes: string
  expiry: ExpiryChoice
  customExpiry: string
  /** Every named limit of the key (`default` among them when it has one), as typed. */
  limits: LimitRow[]
  usageOn: boolean
  remaining: string
  refillOn: boolean
  refillAmount: string
  refillIntervalS: string
  /** Restriction lists as typed (spaces or commas between entries). */
  ipAllow: string
  originAllow: string
  /** The identity id as a string; '' for none. */
  identity: string
  /** `meta` as typed (JSON); '' for none. */
  meta: string
  /** The new key's prefix ('' for the server's default); the create form only. */
  prefix: string
}

/** What each field component of the key form receives: the form, how to change it, the API's last error. */
export interface KeyFieldProps {
  form: KeyFormState
  set: (patch: Partial<KeyFormState>) => void
  error: ApiError | null
}

/** The create form's starting values. */
export const emptyKeyForm: KeyFormState = {
  name: '',
  description: '',
  scopes: '',
  expiry: 'never',
  customExpiry: '',
  limits: [],
  usageOn: false,
  remaining: '1000',
  refillOn: false,
  refillAmount: '1000',
  refillIntervalS: '86400',
  ipAllow: '',
  originAllow: '',
  identity: '',
  meta: '',
  prefix: '',
}

/** The form state that shows an existing key as it is. */
export function keyFormOf(k: ApiKey): KeyFormState {
  return {
    ...emptyKeyForm,
    name: k.name ?? '',
    description: k.description ?? '',
    scopes: k.scopes.join(' '),
    expiry: 'keep',
    limits: k.ratelimits.map(limitRowOf),
    usageOn: k.remaining !== null,
    remaining: String(k.remaining ?? 1000),
    refillOn: k.refill !== null,
    refillAmount: String(k.refill?.amount ?? 1000),
    refillIntervalS: String(k.refill?.interval_s ?? 86400),
    ipAllow: (k.restrictions?.ip_allow ?? []).join(' '),
    originAllow: (k.restrictions?.origin_allow ?? []).join(' '),
    identity: k.identity_id === null ? '' : String(k.identity_id),
    meta: Object.keys(k.meta).length > 0 ? JSON.stringify(k.meta, null, 2) : '',
  }
}

/**
 * `meta` as typed: '' is none (`{}`). Anything but a JSON object is refused here, as a field error
 * like the API's, since it cannot be sent as JSON at all.
 */
export function metaOf(f: KeyFormState): Record<string, unknown> {
  if (f.meta.trim() === '') return {}
  let v: unknown
  try {
    v = JSON.parse(f.meta)
  } catch {
    v = undefined
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
  throw new ApiError(400, 'validation_failed', 'Some fields need attention.', {
    meta: 'Metadata must be a JSON object, e.g. {"plan": "pro"}',
  })
}

/** `expires_at` for the chosen option (undefined = unchanged). */
export function expiresAtOf(f: KeyFormState, now = Date.now()): string | null | undefined {
  if (f.expiry === 'keep') return undefined
  if (f.expiry === 'never') return null
  if (f.expiry === 'custom') return f.customExpiry ? new Date(f.customExpiry).toISOString() : 'not a date'
  return new Date(now + PRESET_MS[f.expiry]).toISOString()
}

const entries = (s: string) => s.split(/[\s,]+/).filter(Boolean)

/**
 * Named limits (the whole list, `default` included: never `rate_limit` too), usage limit, refill, identity and
 * restrictions as the API's fields (null or `[]` clears them).
 */
export function limitsOf(
  f: KeyFormState,
): Required<Pick<KeyLimits, 'ratelimits' | 'remaining' | 'refill' | 'identity_id' | 'restrictions'>> {
  const ip = entries(f.ipAllow)
  const origin = entries(f.originAllow)
  return {
    identity_id: f.identity === '' ? null : Number(f.identity),
    restrictions:
      ip.length + origin.length === 0
        ? null
        : { ...(ip.length > 0 && { ip_allow: ip }), ...(origin.length > 0 && { origin_allow: origin }) },
    ratelimits: f.limits.map(limitOfRow),
    remaining: f.usageOn ? typedNumber(f.remaining) : null,
    refill:
      f.usageOn && f.refillOn
        ? { amount: typedNumber(f.refillAmount), interval_s: typedNumber(f.refillIntervalS) }
        : null,
  }
}

/** The API error for a field or anything under it (`rate_limit` covers `rate_limit.limit`). */
export function fieldError(error: ApiError | null, ...prefixes: string[]): string | undefined {
  if (!error) return undefined
  for (const [field, message] of Object.entries(error.fields)) {
    if (prefixes.some((p) => field === p || field.startsWith(p + '.'))) return message
  }
  return undefined
}
