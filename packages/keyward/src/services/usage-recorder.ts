import type { KeyRepository } from '../store/key-repository.js'

/**
 * Collects `last_used_at` per key and writes them in one batch per interval,
 * off the request path. `flush()` on shutdown writes what is pending.
 */
export class UsageRecorder {
  private pending = new Map<number, number>()
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> = Promise.resolve()

  constructor(private readonly keys: KeyRepository, private readonly intervalMs: number, private onError: (e: unknown) => void) {}

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

  /** Writes everything pending; entries of a failed write are kept for the next try. */
  flush(): Promise<void> {
    this.inFlight = this.inFlight.then(async () => {
      if (this.pending.size === 0) return
      const batch = this.pending
      this.pending = new Map()
      try {
        await this.keys.touchLastUsed(new Map([...batch].map(([id, ms]) => [id, new Date(ms).toISOString()])))
      } catch (e) {
        for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at)
        this.onError(e)
      }
    })
    return this.inFlight
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.flush()
  }
}
