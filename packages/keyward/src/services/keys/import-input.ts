import { createHash } from 'node:crypto'
import { invalidField } from '../../core/errors.js'
import { classifyKey } from '../../core/key-format.js'
import type { CreateKeyInput } from './key-input.js'

/** One key of `POST /v1/keys/import`: its secret (`plaintext`) or only its SHA-256 (`hash`), and the usual fields. */
export interface ImportKeyInput extends Omit<CreateKeyInput, 'prefix' | 'max_live_keys' | 'allow_past_expiry'> {
  plaintext?: string
  hash?: { value: string; variant: 'sha256_hex' | 'sha256_base64' }
  /** Its id in the system it comes from: unique per owner; importing it again changes nothing. */
  external_id?: string
  /** What listings show as the key's start (not secret); default: the plaintext's visible prefix, else none. */
  key_prefix?: string
  /** false: imported disabled. */
  enabled?: boolean
}

/**
 * The stored hash (lower-case hex SHA-256 of the whole key, as `hashSecret` makes it) of an
 * import item, or a 400 naming `keys[i].…`. The plaintext, if given, is hashed here and dropped.
 */
export function importedHash(item: ImportKeyInput, i: number): string {
  if ((item.plaintext === undefined) === (item.hash === undefined))
    throw invalidField(
      `keys[${i}]`,
      item.plaintext === undefined
        ? 'give the key: its plaintext or its hash'
        : 'give either plaintext or hash, not both',
    )
  if (item.plaintext !== undefined) {
    if (classifyKey(item.plaintext).kind === 'malformed')
      throw invalidField(`keys[${i}].plaintext`, 'the key must be at least 32 characters without spaces')
    return createHash('sha256').update(item.plaintext).digest('hex')
  }
  const hex = hexOf(item.hash!.value, item.hash!.variant)
  if (hex === null) throw invalidField(`keys[${i}].hash.value`, `not a ${item.hash!.variant} SHA-256 digest`)
  return hex
}

/** A digest's lower-case hex, or null unless it is exactly 32 bytes in the given encoding. */
export function hexOf(value: string, variant: 'sha256_hex' | 'sha256_base64'): string | null {
  if (variant === 'sha256_hex') return /^[0-9a-fA-F]{64}$/.test(value) ? value.toLowerCase() : null
  if (!/^[A-Za-z0-9+/]{43}=$/.test(value)) return null
  const bytes = Buffer.from(value, 'base64')
  return bytes.length === 32 && bytes.toString('base64') === value ? bytes.toString('hex') : null
}

/** Unkey's `keys.migrateKeys` body (`{migrationId, apiId, keys}`), accepted as is. */
export interface UnkeyMigrateBody {
  migrationId: string
  apiId: string
  keys: UnkeyKey[]
}

/** One key of Unkey's `migrateKeys`. Roles and permissions become scopes. */
export interface UnkeyKey {
  hash: string
  name?: string
  externalId?: string
  meta?: Record<string, unknown>
  roles?: string[]
  permissions?: string[]
  expires?: number
  enabled?: boolean
  credits?: {
    remaining?: number | null
    refill?: { interval: 'daily' | 'monthly'; amount: number; refillDay?: number }
  }
  ratelimits?: { name: string; limit: number; duration: number; autoApply?: boolean }[]
}

/** Unkey's refill intervals in seconds (a month is taken as 30 days: Keyward refills by interval, not by calendar). */
const UNKEY_INTERVAL_S = { daily: 86_400, monthly: 2_592_000 } as const

/**
 * The native import item of an Unkey key. Its `hash` is SHA-256 in hex or in base64 (Unkey's
 * own storage), told apart by shape; its rate limits become the key's named limits, name for name
 * (windows in whole seconds, rounded up: stricter, never looser; `unkeyNotes` says so).
 */
export function fromUnkey(k: UnkeyKey): ImportKeyInput {
  const variant = /^[0-9a-fA-F]{64}$/.test(k.hash) ? 'sha256_hex' : 'sha256_base64'
  const scopes = [...new Set([...(k.permissions ?? []), ...(k.roles ?? [])])]
  const refill = k.credits?.refill
  return {
    hash: { value: k.hash, variant },
    ...(k.name !== undefined && { name: k.name }),
    ...(k.externalId !== undefined && { external_id: k.externalId }),
    ...(k.meta !== undefined && { meta: k.meta }),
    ...(scopes.length > 0 && { scopes }),
    ...(k.expires !== undefined && { expires_at: new Date(k.expires).toISOString() }),
    ...(k.enabled === false && { enabled: false }),
    ...(k.credits?.remaining != null && { remaining: k.credits.remaining }),
    ...(refill && { refill: { amount: refill.amount, interval_s: UNKEY_INTERVAL_S[refill.interval] } }),
    ...(k.ratelimits?.length && { ratelimits: k.ratelimits.map(namedLimit) }),
  }
}

const namedLimit = (r: NonNullable<UnkeyKey['ratelimits']>[number]) => ({
  name: r.name,
  limit: r.limit,
  window_s: Math.ceil(r.duration / 1000),
  // Unkey's schema requires autoApply; without it, applied: a limit left out of verifications would be looser.
  auto_apply: r.autoApply !== false,
})

/** Where an imported Unkey key differs from what its body said, field by field: answered, never silent. */
export function unkeyNotes(k: UnkeyKey, index: number): { index: number; field: string; message: string }[] {
  const notes: { index: number; field: string; message: string }[] = []
  const refill = k.credits?.refill
  if (refill?.interval === 'monthly')
    notes.push({
      index,
      field: 'credits.refill',
      message: `refilled every 30 days from the import, not on ${refill.refillDay ? `day ${refill.refillDay}` : 'a set day'} of each month`,
    })
  k.ratelimits?.forEach((r, i) => {
    if (r.duration % 1000 !== 0)
      notes.push({
        index,
        field: `ratelimits[${i}].duration`,
        message: `a window of ${Math.ceil(r.duration / 1000)} s, not ${r.duration} ms: Keyward counts whole seconds`,
      })
  })
  return notes
}
