import { Type } from 'typebox'
import { storedInstant } from '../../../core/clock.js'
import { invalid } from '../../../core/errors.js'
import { Nullable } from '../../schemas.js'
import { MAX_ROW_ID } from '../../../core/types.js'

/** balena wire shapes shared by the face's routes. */

/** balena's limits: names up to 50 characters, descriptions up to 150. */
export const KeyName = Type.String({ minLength: 1, maxLength: 50 })
export const KeyDescription = Type.String({ maxLength: 150 })
export const ExpiryDate = Nullable(Type.String({ minLength: 1, maxLength: 64 }))

export const AppIdParams = Type.Object({ appId: Type.String({ pattern: '^[0-9]{1,10}$' }) })
export const DeviceIdParams = Type.Object({ deviceId: Type.String({ pattern: '^[0-9]{1,10}$' }) })

/** A key's plaintext, answered as a JSON string. */
export const KeyString = Type.String()

/**
 * ISO 8601 / RFC 3339 as balena's clients pass it on (balena-sdk sends the caller's string as is):
 * a date, or a date-time with `T`, `t` or a space (Python's `str(datetime)`, PostgreSQL), and an
 * optional offset `Z`, `z`, `+01:00`, `+0100` or `+01` (`strftime %z`) — all of which real balena,
 * on PostgreSQL, accepts.
 */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|([+-])(\d{2}):?(\d{2})?)?)?$/

/**
 * A balena expiry: null or absent = never; a date-time without offset is UTC
 * (not the server's zone); a date alone is UTC midnight. Only ISO 8601, and only days the
 * calendar has: V8's `Date.parse` read "hello 5" as 2001-05-01 and "2024-02-30" as March 1st,
 * so a typo made a key born expired (a fuzzer's find).
 */
export function expiryOf(v: string | null | undefined, field = 'expiryDate'): string | null | undefined {
  if (v === undefined || v === null) return v
  const m = ISO_DATE_TIME.exec(v)
  const [y, mo, d, h = '00', mi = '00', sec = '00', frac = '', zone, sign, oh = '00', om = '00'] = m?.slice(1) ?? []
  if (!m || !isCalendarDay(+y!, +mo!, +d!) || +h > 23 || +mi > 59 || +sec > 59 || +oh > 23 || +om > 59)
    throw invalid(`${field} is not an ISO 8601 date: "${v.slice(0, 40)}"`, { field })
  const offset = zone === undefined || /^[Zz]$/.test(zone) ? 'Z' : `${sign}${oh}:${om}`
  return storedInstant(Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${frac}${offset}`), field)
}

const isCalendarDay = (y: number, month: number, d: number): boolean =>
  month >= 1 && month <= 12 && d >= 1 && d <= new Date(Date.UTC(y, month, 0)).getUTCDate()

/** A numeric path id (already pattern-checked) as a number within the id range. */
export function idOf(s: string, what: string): number {
  const n = Number(s)
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_ROW_ID) throw invalid(`${what} must be a positive integer`)
  return n
}
