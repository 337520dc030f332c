import type { Clock } from '../../core/clock.js'
import type { UsageRepository } from '../../store/usage-repository.js'
import type { RequestContext } from '../context.js'
import type { KeyService } from './key-service.js'
import { dayNumber, dayString } from './usage-recorder.js'

/** Verifications of a key on one UTC day. */
export interface DailyUsage {
  /** `YYYY-MM-DD` (UTC). */
  date: string
  valid: number
  refused: number
  /** Refusals per code (only codes that occurred). */
  by_code: Record<string, number>
}

/** Most days one usage query may cover. */
export const MAX_USAGE_DAYS = 366

/** Reads the per-day verification counters the usage recorder writes. */
export class UsageService {
  constructor(
    private readonly keys: KeyService,
    private readonly usage: UsageRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * The last `days` UTC days (today included, oldest first), zero-filled. Counts still in
   * the recorder's memory appear after its next flush. Same visibility as reading the key.
   */
  async daily(ctx: RequestContext, keyId: number, days = 30): Promise<DailyUsage[]> {
    await this.keys.get(ctx, keyId) // 404 for keys the caller may not see
    const today = dayNumber(this.clock.now().getTime())
    const out: DailyUsage[] = []
    const byDate = new Map<string, DailyUsage>()
    for (let d = today - days + 1; d <= today; d++) {
      const row: DailyUsage = { date: dayString(d), valid: 0, refused: 0, by_code: {} }
      out.push(row)
      byDate.set(row.date, row)
    }
    for (const c of await this.usage.daily(keyId, out[0]!.date)) {
      const row = byDate.get(c.day)
      if (!row) continue // a day after "today" (clock skew between nodes)
      if (c.code === 'VALID') row.valid += c.count
      else {
        row.refused += c.count
        row.by_code[c.code] = (row.by_code[c.code] ?? 0) + c.count
      }
    }
    return out
  }
}
