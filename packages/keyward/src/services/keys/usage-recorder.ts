import { VERIFY_CODES, type VerifyCode } from '../../core/verify-result.js'
import type { KeyRepository } from '../../store/key-repository.js'
import type { UsageCount, UsageRepository } from '../../store/usage-repository.js'

const DAY_MS = 86_400_000
const CODE_INDEX = Object.fromEntries(VERIFY_CODES.map((c, i) => [c, i])) as Record<VerifyCode, number>

/** Counters of one UTC day: key id → verifications per code index. */
type DayCounts = Map<number, Uint32Array>

/** `YYYY-MM-DD` of a UTC day number (days since the epoch). */
export function dayString(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10)
}

/** The UTC day number (days since the epoch) of an epoch-ms time. */
export function dayNumber(ms: number): number {
  return Math.floor(ms / DAY_MS)
}

/**
 * Collects `last_used_at` and per-day verification counters per key and writes them
 * in one batch per interval, off the request path: a verification only sets or
 * increments a Map entry. `flush()` on shutdown writes what is pending.
 */
export class UsageRecorder {
  private pending = new Map<number, number>()
  // Counters of the current UTC day, keyed by key id (a small integer: V8's fastest Map key),
  // one slot per code; days left behind wait in `closed` for the next flush.
  private day = -1
  private counts: DayCounts = new Map()
  private closed: { day: number; counts: DayCounts }[] = []
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> = Promise.resolve()

  constructor(
    private readonly keys: KeyRepository,
    private readonly intervalMs: number,
    private onError: (e: unknown) => void,
    private readonly usage: UsageRepository,
  ) {}

  setErrorHandler(onError: (e: unknown) => void): void {
    this.onError = onError
  }

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.flush(), this.intervalMs)
    this.timer.unref()
  }

  /** Notes a use at `atMs` (epoch ms). A number, not a Date or string: this runs on every verification. */
  touch(keyId: number, atMs: number): void {
    this.pending.set(keyId, atMs)
  }

  /** Counts one verification of a key at `atMs` (epoch ms) with its outcome (`VALID` or a refusal code). */
  count(keyId: number, code: VerifyCode, atMs: number): void {
    const day = Math.floor(atMs / DAY_MS)
    if (day !== this.day) this.closeDay(day)
    let slots = this.counts.get(keyId)
    if (slots === undefined) {
      slots = new Uint32Array(VERIFY_CODES.length)
      this.counts.set(keyId, slots)
    }
    slots[CODE_INDEX[code]]! += 1
  }

  /** Starts counting a new day; the old day's counters wait for the flush. */
  private closeDay(day: number): void {
    if (this.counts.size > 0) this.closed.push({ day: this.day, counts: this.counts })
    this.counts = new Map()
    this.day = day
  }

  /** Writes everything pending; entries of a failed write are kept for the next try. */
  flush(): Promise<void> {
    this.inFlight = this.inFlight.then(() => Promise.all([this.flushLastUsed(), this.flushCounts()]).then(() => {}))
    return this.inFlight
  }

  private async flushLastUsed(): Promise<void> {
    if (this.pending.size === 0) return
    const batch = this.pending
    this.pending = new Map()
    try {
      await this.keys.touchLastUsed(new Map([...batch].map(([id, ms]) => [id, new Date(ms).toISOString()])))
    } catch (e) {
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at)
      this.onError(e)
    }
  }

  private async flushCounts(): Promise<void> {
    this.closeDay(this.day)
    if (this.closed.length === 0) return
    const batch = this.closed
    this.closed = []
    // One row per (key, day, code), even when a day appears twice (a retried batch, a clock set back):
    // an upsert may not touch the same row twice in one statement.
    const rows = new Map<string, UsageCount>()
    for (const { day, counts } of batch) {
      const date = dayString(day)
      for (const [keyId, slots] of counts) {
        slots.forEach((count, i) => {
          if (count === 0) return
          const id = `${keyId}/${date}/${i}`
          const row = rows.get(id)
          if (row) row.count += count
          else rows.set(id, { keyId, day: date, code: VERIFY_CODES[i]!, count })
        })
      }
    }
    try {
      await this.usage.add([...rows.values()])
    } catch (e) {
      // Counts are additive: keep the batch for the next flush, beside what arrived meanwhile.
      this.closed.unshift(...batch)
      this.onError(e)
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.flush()
  }
}
