import { InvalidArgumentError } from 'commander'
import type { ActorKind, AuditTargetType, OwnerRef, RateLimit, Refill } from '@keyward/client'
import { AUDIT_TARGET_TYPES, isAuditTargetType } from '../core/audit-actions.js'

/**
 * A mistake in how the CLI was called (exit code 2), as opposed to an error from the server (exit code 1).
 * `pointToHelp`: whether to print the command's `--help` line after it, as commander's own usage errors do (a
 * command's own checks did not: a new user's find); not for an answer the user gave (a cancel, two passwords).
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly pointToHelp = true,
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

/** `--target api_key:3`: one target of the audit, or (no type) every target with that id. */
export interface AuditTargetRef {
  type?: AuditTargetType
  id: number
}

/** Option parsers for commander: a bad value is a usage error, reported before any request. */
export const parse = {
  int(this: void, raw: string): number {
    const n = Number(raw)
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError('expected a non-negative integer.')
    return n
  },
  /** A positive whole-number id (`keys get 12`): anything else is a usage error before any request. */
  id(this: void, raw: string): string {
    if (!/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > 2_147_483_647)
      throw new InvalidArgumentError('ids are whole numbers from 1 to 2147483647, e.g. 12.')
    return raw
  },
  /** Seconds, as a number (`3600`) or with a unit (`1h`, `30m`, `2d`), as the rate-limit windows take them. */
  seconds(this: void, raw: string): number {
    const m = /^(\d+)([smhdw])?$/.exec(raw.trim())
    const n = m ? Number(m[1]) * UNIT_S[m[2] ?? 's']! : NaN
    if (!Number.isSafeInteger(n))
      throw new InvalidArgumentError('expected seconds, e.g. 3600, or with a unit: 1h, 30m, 2d.')
    return n
  },
  /** A count that must be at least 1 (`--limit`, `--days`). */
  positive(this: void, raw: string): number {
    const n = Number(raw)
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError('expected a whole number of at least 1.')
    return n
  },
  /** `positive` at most `max` (a page size the server caps): out of range is a usage error, not the server's 400. */
  upTo(this: void, max: number): (raw: string) => number {
    return (raw) => {
      const n = parse.positive(raw)
      if (n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`)
      return n
    }
  },
  /** The start of a key, trimmed (pasted from a log); empty is a usage error, not the server's 400. */
  keyStart(this: void, raw: string): string {
    const start = raw.trim()
    if (!start) throw new InvalidArgumentError('expected the start of a key, e.g. kw_AbC123.')
    return start
  },
  /** `api_key:3` (the audit table's TARGET column) or a bare id; an unknown type is a usage error naming them. */
  auditTarget(this: void, raw: string): AuditTargetRef {
    const m = /^(?:([a-z_]+):)?([1-9]\d{0,9})$/.exec(raw.trim())
    const type = m?.[1]
    if (!m || Number(m[2]) > 2_147_483_647 || (type !== undefined && !isAuditTargetType(type)))
      throw new InvalidArgumentError(
        `expected <type>:<id> or an id, e.g. api_key:3; types: ${AUDIT_TARGET_TYPES.join(', ')}.`,
      )
    return { type, id: Number(m[2]) }
  },
  /** One scope, trimmed: a word without blanks (the server's rule), else a usage error before any request. */
  scope(this: void, raw: string): string {
    const scope = raw.trim()
    if (!/^\S{1,100}$/.test(scope))
      throw new InvalidArgumentError('expected one scope without blanks, e.g. invoices:read.')
    return scope
  },
  /**
   * `a,b c` → `['a', 'b', 'c']`; an empty string is none. Repeated, the lists add up (`--scopes a --scopes b`
   * kept only `b`, silently: a new user's find), each item once.
   */
  list(this: void, raw: string, previous?: string[]): string[] {
    return [...new Set([...(previous ?? []), ...raw.split(/[\s,]+/).filter(Boolean)])]
  },
  /**
   * `--scopes` of a key made or changed: `list`, but an empty one is refused. A key without scopes holds all of
   * its owner's rights, so a script whose `$SCOPES` came out empty made a full-rights key with a note only (a new
   * user's find); leaving the flag out, or `--clear scopes` on update, says so on purpose.
   */
  scopes(this: void, raw: string, previous?: string[]): string[] {
    const scopes = parse.list(raw, previous)
    if (scopes.length === 0)
      throw new InvalidArgumentError(
        "no scope given: a key without scopes holds all of its owner's rights; for that, leave --scopes out (keys update: --clear scopes).",
      )
    return scopes
  },
  /** `user:3`, `application:7`, `device:12` */
  owner(this: void, raw: string): OwnerRef {
    const m = /^(user|application|device|organization):([1-9]\d*)$/.exec(raw)
    if (!m) throw new InvalidArgumentError('expected <user|application|device|organization>:<id>, e.g. application:7.')
    return { kind: m[1] as ActorKind, id: Number(m[2]) }
  },
  /** `100/60` (limit per window in seconds), `100/1m`, `5/1h` */
  rateLimit(this: void, raw: string): RateLimit {
    const [limit, window_s] = perWindow(raw, 'expected <limit>/<window>, e.g. 100/60s or 1000/1h.')
    return { limit, window_s }
  },
  /** `10/3600` or `10/1h`: reset the budget to 10 uses every hour */
  refill(this: void, raw: string): Refill {
    const [amount, interval_s] = perWindow(raw, 'expected <amount>/<interval>, e.g. 100/1d.')
    return { amount, interval_s }
  },
  /** A JSON object. */
  meta(this: void, raw: string): Record<string, unknown> {
    let v: unknown
    try {
      v = JSON.parse(raw)
    } catch {
      throw new InvalidArgumentError('expected a JSON object, e.g. \'{"team":"core"}\'.')
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('expected a JSON object.')
    return v as Record<string, unknown>
  },
  /**
   * An ISO-8601 date (normalized to UTC), or `NEVER` for none: a sentinel, not null, since commander
   * stores an option whose parser returns null as '' (which the API refuses as a date).
   */
  expiry(this: void, raw: string): string {
    if (raw === 'never' || raw === 'none') return NEVER
    const ahead = RELATIVE.exec(raw)
    if (ahead) return new Date(Date.now() + Number(ahead[1]) * UNIT_S[ahead[2]!]! * 1000).toISOString()
    // Strict: Date.parse takes "1" (the year 2001) and "Dec 5" (this machine's time zone, some year).
    const t = (ISO_INSTANT.test(raw) || ISO_DAY.test(raw)) && realDay(raw) ? Date.parse(raw) : NaN
    if (Number.isNaN(t))
      throw new InvalidArgumentError(
        'expected an ISO-8601 time with its zone (2027-12-31T23:59:59Z, 2027-12-31T23:59:59+02:00), a day ' +
          '(2027-12-31: its start, 00:00 UTC), a time from now in minutes, hours, days or weeks (90m, 12h, 30d, 2w), or "never".',
      )
    return new Date(t).toISOString()
  },
}

/** A time with its zone (a time without one would be this machine's, which the server cannot know), and a day alone (UTC). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/

/** Whether the day a date starts with exists: Date.parse rolls 2027-02-30 over to March 2, the API refuses it. */
function realDay(raw: string): boolean {
  const [y, m, d] = raw.slice(0, 10).split('-').map(Number) as [number, number, number]
  const day = new Date(Date.UTC(y, m - 1, d))
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d
}

/** `parse.expiry`'s answer for "no expiry" (`expires_at: null`). */
export const NEVER = 'never'

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/** An expiry from now: `90m`, `12h`, `30d`, `2w`; no seconds (an expiry seconds ahead would pass before the key is handed out). */
const RELATIVE = /^([1-9]\d{0,5})([mhdw])$/

function perWindow(raw: string, hint: string): [number, number] {
  const m = /^(\d+)\/(\d+)?([smhd])?$/.exec(raw.trim())
  if (!m || (!m[2] && !m[3])) throw new InvalidArgumentError(hint)
  const count = Number(m[1])
  const seconds = Number(m[2] ?? 1) * UNIT_S[m[3] ?? 's']!
  if (count < 1 || seconds < 1) throw new InvalidArgumentError(hint)
  return [count, seconds]
}
