import type { Clock } from '../../core/clock.js'
import type { KeySweepRepository, ScheduledEventType, SweepBounds } from '../../store/key-sweep-repository.js'

const DAY_MS = 86_400_000
const SWEEP_EVERY_MS = 60_000
/** Keys handled per event type and turn of the event loop: a large backlog is worked off in bounded steps. */
const BATCH = 100
const TYPES: ScheduledEventType[] = ['key.expiring', 'key.expired', 'key.idle', 'key.usage_low']

/**
 * Emits the scheduled key events (`key.expiring`, `key.expired`, `key.idle`, `key.usage_low`)
 * into the outbox, at start and then every minute, by the injected clock. Safe on several
 * nodes: each event is emitted once per key and marker (store/key-sweep-repository.ts).
 */
export class KeyEventSweeper {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<number> | null = null

  constructor(
    private readonly repo: KeySweepRepository,
    private readonly clock: Clock,
    private readonly days: { expiryWarningDays: number; idleDays: number },
    private readonly onError: (e: unknown) => void,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.runOnce().catch((e: unknown) => {
        this.onError(e)
        return 0
      })
    }
    tick()
    this.timer = setInterval(tick, SWEEP_EVERY_MS)
    this.timer.unref()
  }

  /** One sweep; resolves with how many events it emitted. */
  async runOnce(): Promise<number> {
    const now = this.clock.now()
    const bounds: SweepBounds = {
      now: now.toISOString(),
      warnUntil: new Date(now.getTime() + this.days.expiryWarningDays * DAY_MS).toISOString(),
      idleSince: new Date(now.getTime() - this.days.idleDays * DAY_MS).toISOString(),
    }
    let emitted = 0
    for (const type of TYPES) {
      for (
        let due = await this.repo.due(type, bounds, BATCH);
        due.length > 0;
        due = await this.repo.due(type, bounds, BATCH)
      ) {
        for (const k of due) if (await this.repo.emit(type, k.id, k.marker, now)) emitted++
        await new Promise((r) => setImmediate(r)) // let requests in between batches
      }
    }
    return emitted
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.running
  }
}
