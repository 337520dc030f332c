import { invalid } from './errors.js'

/** Time source, injected so expiry, refill and windows can be tested without sleeping. */
export interface Clock {
  now(): Date
  /**
   * `now().getTime()` without making a Date: the verification hot path reads the time on every
   * call (issue 11). Optional, so a clock written as `{ now }` still works (`epochMs`).
   */
  nowMs?(): number
}

export const systemClock: Clock = { now: () => new Date(), nowMs: Date.now }

/** The clock's time in epoch ms, without a Date when the clock can tell it so. */
export function epochMs(clock: Clock): number {
  return clock.nowMs ? clock.nowMs() : clock.now().getTime()
}

/** A clock tests can move by hand. */
export function manualClock(
  start = new Date('2026-01-01T00:00:00.000Z'),
): Clock & { advance(ms: number): void; set(d: Date): void } {
  let t = start.getTime()
  return {
    now: () => new Date(t),
    nowMs: () => t,
    advance(ms: number) {
      t += ms
    },
    set(d: Date) {
      t = d.getTime()
    },
  }
}

/**
 * Canonical UTC text of epoch ms `t`, as stored. Stored dates are compared and sorted as text, which
 * holds only for four-digit years: an offset past 9999-12-31 made `+010000-…`, which the list's
 * `status=expired` filter, the sort and OData's `lt` read as before 1970 while verify said VALID (a
 * tester's find). So 400 outside the years 0000–9999.
 */
export function storedInstant(t: number, field: string): string {
  const iso = Number.isFinite(t) && Math.abs(t) <= MAX_DATE_MS ? new Date(t).toISOString() : ''
  if (!/^\d{4}-/.test(iso)) throw invalid(`${field} must fall in the years 0000 to 9999 (UTC)`, { field })
  return iso
}

/**
 * Whether a date written `YYYY-MM-DD…` names a day its month has: `Date.parse` rolls
 * `2031-02-30` over into March 2nd (a fuzzer's find in OData's `datetime'…'`). Text in another
 * form is left to `Date.parse`'s own rules.
 */
export function hasCalendarDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text)
  if (!m) return true
  const [year, month, day] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])]
  const t = new Date(0)
  t.setUTCFullYear(year, month, day) // not Date.UTC, which reads the years 0–99 as 1900–1999
  return t.getUTCMonth() === month && t.getUTCDate() === day
}

/** The largest time a Date holds (ECMAScript's ±100,000,000 days). */
const MAX_DATE_MS = 8.64e15
