import type { ApiKey, Owner } from './api'

/** A key counts as "expiring soon" when it is active and expires within this window. */
export const EXPIRING_SOON_MS = 7 * 24 * 3600 * 1000

/** What the status badge shows: the API's status, plus "expiring soon" for active keys close to expiry. */
export type DisplayStatus = ApiKey['status'] | 'expiring soon'

export function displayStatus(k: Pick<ApiKey, 'status' | 'expires_at'>, now = Date.now()): DisplayStatus {
  if (k.status === 'active' && k.expires_at && Date.parse(k.expires_at) - now < EXPIRING_SOON_MS) return 'expiring soon'
  return k.status
}

/**
 * Whether a key was revoked because it was reported leaked: the server writes the reason
 * `leaked (<via>…)` then (KeyService.respondToLeak). Keys only disabled or noted for a leak
 * carry no mark in the list data; their page shows the leak from the audit trail.
 */
export const revokedForLeak = (k: Pick<ApiKey, 'revoked_reason'>) => k.revoked_reason?.startsWith('leaked (') ?? false

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** A timestamp for people, or a dash for none. */
export function when(iso: string | null | undefined, none = '—'): string {
  return iso ? dateFmt.format(new Date(iso)) : none
}

/** "in 3 days" / "2 hours ago", for expiry and last use. */
export function relative(iso: string | null, now = Date.now()): string {
  if (!iso) return ''
  const diff = Date.parse(iso) - now
  const abs = Math.abs(diff)
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 31_536_000_000],
    ['month', 2_592_000_000],
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ]
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  for (const [unit, ms] of units) if (abs >= ms) return rtf.format(Math.round(diff / ms), unit)
  return rtf.format(Math.round(diff / 1000), 'second')
}

/** Seconds as words: 60 → "1 minute", 86400 → "1 day". */
export function duration(s: number): string {
  const units: [string, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ]
  for (const [name, n] of units) if (s % n === 0 && s >= n) return `${s / n} ${name}${s / n === 1 ? '' : 's'}`
  return `${s} second${s === 1 ? '' : 's'}`
}

const OWNER_KINDS: ReadonlySet<string> = new Set(['user', 'organization', 'application', 'device'])

/** Stable string form of an owner, for `<select>` values. */
export const ownerValue = (o: Owner) => `${o.kind}:${o.id}`
/** The owner a `<select>` value names, if it names one. */
export function parseOwner(v: string): Owner | undefined {
  const [kind, id] = v.split(':')
  if (OWNER_KINDS.has(kind ?? '') && Number(id) > 0) return { kind: kind as Owner['kind'], id: Number(id) }
  return undefined
}

/** Splits "invoices:read, invoices:write keys:read" into a de-duplicated list. */
export function parseScopes(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))]
}

/**
 * Scopes Keyward's own API understands (server: `API_SCOPES` in core/authz.ts; a test keeps the two lists equal).
 * Any other scope is a label for the key owner's own API.
 */
export const KEYWARD_API_SCOPES = [
  'keys:read',
  'keys:write',
  'keys:verify',
  'users:read',
  'users:write',
  'applications:read',
  'applications:write',
  'devices:read',
  'devices:write',
  'audit:read',
  'webhooks:read',
  'webhooks:write',
  'organizations:read',
  'organizations:write',
] as const

/** What a key may do on Keyward's API: all its owner's rights without scopes, else those narrowed to its Keyward scopes. */
export function keywardAccess(scopes: readonly string[]): string {
  if (scopes.length === 0) return "all of its owner's rights"
  const api = scopes.filter((s) => (KEYWARD_API_SCOPES as readonly string[]).includes(s))
  return api.length ? `its owner's rights, narrowed to: ${api.join(', ')}` : 'none (no Keyward scope)'
}

/** One audit detail value in words: seconds as durations, lists joined, nothing as "none". */
function detailValue(name: string, v: unknown): string {
  if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) return 'none'
  if (name.endsWith('_s') && typeof v === 'number') return duration(v)
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')
  if (name === 'owner' && isOwnerRef(v)) return `${v.kind} ${v.id}`
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** A key's owner as entries name it (`{kind, id}`, as on the key and its events). */
const isOwnerRef = (v: unknown): v is { kind: string; id: number } =>
  typeof v === 'object' && v !== null && 'kind' in v && 'id' in v

/** An audit event's details for people: `grace_period_s: 86400` → "grace period: 1 day". */
export function describeDetails(details: Record<string, unknown>): string {
  const parts = Object.entries(details).map(
    ([k, v]) => `${k.replace(/_s$/, '').replace(/_/g, ' ')}: ${detailValue(k, v)}`,
  )
  return parts.length ? parts.join(' · ') : '—'
}

/** An id from the URL, or null when it cannot be one (`/keys/abc`): that is a not-found page, not an API error. */
export const idParam = (raw: string | undefined): number | null =>
  raw && /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : null

/** A number field's text as the API expects it; an unparsable entry is sent as is (NaN), so the API names the field. */
export const typedNumber = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s))
