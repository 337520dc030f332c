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
