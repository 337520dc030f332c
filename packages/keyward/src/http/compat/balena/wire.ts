import { Type } from 'typebox'
import { invalid } from '../../../core/errors.js'
import { Nullable } from '../../schemas.js'

/** balena wire shapes shared by the face's routes. */

/** balena's limits: names up to 50 characters, descriptions up to 150. */
export const KeyName = Type.String({ minLength: 1, maxLength: 50 })
export const KeyDescription = Type.String({ maxLength: 150 })
export const ExpiryDate = Nullable(Type.String({ minLength: 1, maxLength: 64 }))

export const AppIdParams = Type.Object({ appId: Type.String({ pattern: '^[0-9]{1,10}$' }) })
export const DeviceIdParams = Type.Object({ deviceId: Type.String({ pattern: '^[0-9]{1,10}$' }) })

/** A key's plaintext, answered as a JSON string. */
export const KeyString = Type.String()

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/

/**
 * A balena expiry: null or absent = never; a date-time without offset is UTC
 * (not the server's zone); a date alone is UTC midnight.
 */
export function expiryOf(v: string | null | undefined, field = 'expiryDate'): string | null | undefined {
  if (v === undefined || v === null) return v
  const t = Date.parse(LOCAL_DATE_TIME.test(v) ? v + 'Z' : v)
  if (Number.isNaN(t)) throw invalid(`${field} is not a date: "${v.slice(0, 40)}"`, { field })
  return new Date(t).toISOString()
}

/** A numeric path id (already pattern-checked) as a number within the id range. */
export function idOf(s: string, what: string): number {
  const n = Number(s)
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 31 - 1) throw invalid(`${what} must be a positive integer`)
  return n
}
