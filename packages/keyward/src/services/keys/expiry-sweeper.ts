import type { Clock } from '../../core/clock.js'
import type { RefreshTokenRepository } from '../../store/refresh-token-repository.js'
import type { SessionRepository } from '../../store/session-repository.js'
import { yieldToLoop } from './chunked-writes.js'

/** How often expired sessions and refresh tokens are swept. */
export const SWEEP_INTERVAL_MS = 10 * 60 * 1000
/** Rows deleted per statement, and statements per table per sweep: a sweep stays short. */
const BATCH = 1000
const MAX_BATCHES = 10

/**
 * Deletes expired sessions and refresh tokens, which nothing else removes
 * (logins only add rows): every few minutes, in bounded batches, so the tables
 * hold live rows only. Every node may sweep; the deletes are idempotent. It also
 * finishes user deletions a failed chunk or a dead node left unfinished
 * (`UserLifecycle.finishDeletions`, safe on several nodes), at start and every sweep.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly sessions: SessionRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly clock: Clock,
    private readonly finishDeletions: () => Promise<number>,
    private readonly onError: (e: unknown) => void,
    private readonly intervalMs = SWEEP_INTERVAL_MS,
  ) {}

  /** Sweeps now and then every interval; the timer never keeps the process alive. */
  start(): void {
    if (this.timer) return
    const tick = () => {
      this.running = this.sweep().catch((e: unknown) => this.onError(e))
    }
    tick()
    this.timer = setInterval(tick, this.intervalMs)
    this.timer.unref()
  }

  /** Stops the timer and waits for a sweep in flight, so the store can close after it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /** One sweep: how many expired sessions and refresh tokens were deleted, and user deletions finished. */
  async sweep(batch = BATCH): Promise<{ sessions: number; refreshTokens: number; deletionsFinished: number }> {
    const now = this.clock.now().toISOString()
    return {
      sessions: await drain((n) => this.sessions.deleteExpired(now, n), batch),
      refreshTokens: await drain((n) => this.refreshTokens.deleteExpired(now, n), batch),
      deletionsFinished: await this.finishDeletions(),
    }
  }
}

/** Repeats a bounded delete until it deletes less than a full batch (at most MAX_BATCHES times). */
async function drain(deleteUpTo: (n: number) => Promise<number>, batch: number): Promise<number> {
  let total = 0
  for (let i = 0; i < MAX_BATCHES; i++) {
    await yieldToLoop() // one statement per turn of the event loop (DESIGN rule 10)
    const n = await deleteUpTo(batch)
    total += n
    if (n < batch) break
  }
  return total
}
