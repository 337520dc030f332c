import { VERIFY_CODES, type VerifyCode } from '../core/verify-result.js'
import type { KeyRepository } from '../store/key-repository.js'
import type { UsageCount, UsageRepository } from '../store/usage-repository.js'

const DAY_MS = 86_400_000
const CODE_INDEX = new Map<VerifyCode, number>(VERIFY_CODES.map((c, i) => [c, i]))
// One number per (key, day, outcome), so the hot path neither builds a string nor nests maps:
// key ids (int4, < 2^31) × 2^17 day numbers (until the year 2328) × 16 codes = 2^52, an exact double.
const DAYS = 2 ** 17
const CODES = 16

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
  /** `(keyId · DAYS + dayNumber) · CODES + code index` → verifications not yet written. */
  private counts = new Map<number, number>()
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
    const k = (keyId * DAYS + Math.floor(atMs / DAY_MS)) * CODES + CODE_INDEX.get(code)!
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1)
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
    if (this.counts.size === 0) return
    const batch = this.counts
    this.counts = new Map()
    const rows: UsageCount[] = []
    for (const [k, count] of batch) {
      const code = VERIFY_CODES[k % CODES]!
      const keyDay = Math.floor(k / CODES)
      rows.push({ keyId: Math.floor(keyDay / DAYS), day: dayString(keyDay % DAYS), code, count })
    }
    try {
      await this.usage.add(rows)
    } catch (e) {
      // Counts are additive: put the batch back on top of what arrived meanwhile.
      for (const [k, n] of batch) this.counts.set(k, (this.counts.get(k) ?? 0) + n)
      this.onError(e)
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.flush()
  }
}
