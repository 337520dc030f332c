import type { Clock } from '../../core/clock.js'
import type { RefreshTokenRepository } from '../../store/refresh-token-repository.js'
import type { SessionRepository } from '../../store/session-repository.js'
import type { WebhookOutbox } from '../../store/webhook-outbox.js'
import { type ChunkPacer, yieldToLoop } from './chunked-writes.js'

/** How often expired sessions and refresh tokens are swept. */
export const SWEEP_INTERVAL_MS = 10 * 60 * 1000
/** Rows deleted per statement, and statements per table per sweep: a sweep stays short. */
const BATCH = 1000
const MAX_BATCHES = 10
/** Outbox rows deleted per sweep at most: a backlog (a first sweep after an upgrade) goes over several sweeps. */
const HISTORY_ROWS_PER_SWEEP = 50_000

/**
 * The outbox's history: deliveries that ended and the events behind them, deleted `retentionMs`
 * after they were last due (`KEYWARD_WEBHOOK_RETENTION_DAYS`), in chunks sized by `pacer` (on
 * SQLite a delete holds the event loop; DESIGN rule 10). Else both tables grew by every key change.
 */
export interface OutboxHistory {
  outbox: Pick<WebhookOutbox, 'pruneDeliveries' | 'pruneEvents' | 'dropEndedOverlaps'>
  retentionMs: number
  pacer: ChunkPacer
}

/** What one sweep deleted or finished. */
export interface SweepResult {
  sessions: number
  refreshTokens: number
  deletionsFinished: number
  /** Webhook deliveries past retention. */
  deliveries: number
  /** Outbox events past retention, with no delivery left. */
  events: number
  /** Webhooks whose replaced secret's overlap ended: the sealed secret is forgotten. */
  overlapsEnded: number
}

/**
 * Deletes expired sessions and refresh tokens, which nothing else removes (logins only
 * add rows), and the outbox's history past retention (`OutboxHistory`): every few
 * minutes, in bounded batches, so the tables hold live rows only. Every node may sweep;
 * the deletes are idempotent. It also finishes user deletions a failed chunk or a dead
 * node left unfinished (`UserLifecycle.finishDeletions`, safe on several nodes), at
 * start and every sweep.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly sessions: SessionRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly clock: Clock,
    private readonly finishDeletions: () => Promise<number>,
    private readonly history: OutboxHistory,
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

  /** One sweep: how many expired sessions, refresh tokens and outbox rows were deleted, and user deletions finished. */
  async sweep(batch = BATCH): Promise<SweepResult> {
    const now = this.clock.now()
    const iso = now.toISOString()
    const before = new Date(now.getTime() - this.history.retentionMs).toISOString()
    const { outbox, pacer } = this.history
    return {
      sessions: await drain((n) => this.sessions.deleteExpired(iso, n), batch),
      refreshTokens: await drain((n) => this.refreshTokens.deleteExpired(iso, n), batch),
      deletionsFinished: await this.finishDeletions(),
      // Deliveries first: an event goes only once none of its deliveries is left.
      deliveries: await drainPaced((n) => outbox.pruneDeliveries(before, n), pacer),
      events: await drainPaced((n) => outbox.pruneEvents(before, n), pacer),
      overlapsEnded: await outbox.dropEndedOverlaps(iso),
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

/**
 * Repeats a delete of `pacer.next` rows, one statement per turn of the event loop, until one
 * deletes fewer (nothing left) or HISTORY_ROWS_PER_SWEEP rows are gone.
 */
async function drainPaced(deleteUpTo: (n: number) => Promise<number>, pacer: ChunkPacer): Promise<number> {
  let total = 0
  while (total < HISTORY_ROWS_PER_SWEEP) {
    await yieldToLoop()
    const size = pacer.next
    const start = performance.now()
    const n = await deleteUpTo(size)
    pacer.observe(size, performance.now() - start)
    total += n
    if (n < size) break
  }
  return total
}
