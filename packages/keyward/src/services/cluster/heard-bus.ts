import { type BusListener, type InvalidationBus, LOST_INVALIDATIONS } from './invalidation-bus.js'

/** How often each node publishes a heartbeat (an empty message) on the bus. */
export const HEARTBEAT_MS = 500

/** A node that has heard nothing on the bus for this long, its own heartbeats included, is deaf. */
export const DEAF_AFTER_MS = 2_000

/**
 * A bus that counts as connected only while this node hears it: the transports report a closed
 * connection, not a silent one, nor a message another node failed to send. Both left a node
 * serving revoked keys and ended sessions from its cache with no end (an attacker's finds: a
 * half-open link to Redis or PostgreSQL kept `connected` true; a 500 ms blip of the writer's
 * link lost its invalidation for good). Invariants, enforced here:
 *
 * 1. A node that hears no message for `DEAF_AFTER_MS` — every node, this one included, publishes
 *    one each `HEARTBEAT_MS` — is down (`onDown`: its cache cleared, short TTLs) until it hears
 *    one again (`onUp`: cleared again). So a silent link costs at most that long of staleness.
 * 2. A node whose publish failed owes the others `LOST_INVALIDATIONS`, sent with its next
 *    heartbeat that goes through (`onLost` there: every cache cleared): what it failed to
 *    say is unknown. So a blip of the writer's link costs the others at most the blip and a
 *    heartbeat of staleness.
 * A timer late by more than a heartbeat (this process's loop was held) skips the deafness check
 * once: messages that queued meanwhile are read after the timer, and would be taken for silence.
 */
export class HeardBus implements InvalidationBus {
  private listener: BusListener | null = null
  private hearing = false
  private lastHeardMs = 0
  private lastTickMs = 0
  private owesLost = false
  private timer: NodeJS.Timeout | null = null

  constructor(
    /** The transport (Redis pub/sub, PostgreSQL LISTEN/NOTIFY). */
    readonly inner: InvalidationBus,
    private readonly now: () => number = Date.now,
  ) {}

  get kind(): InvalidationBus['kind'] {
    return this.inner.kind
  }

  get connected(): boolean {
    return this.inner.connected && this.hearing
  }

  async start(listener: BusListener): Promise<void> {
    this.listener = listener
    this.hearing = true
    await this.inner.start({
      onInvalidate: (hashes, sentAtMs) => this.heard(hashes, sentAtMs),
      onDown: () => this.setHearing(false),
      onUp: () => {
        this.lastHeardMs = this.now()
        this.setHearing(true)
      },
    })
    this.lastHeardMs = this.lastTickMs = this.now()
    this.timer = setInterval(() => this.tick(), HEARTBEAT_MS)
    this.timer.unref()
  }

  async publish(hashes: readonly string[]): Promise<void> {
    await this.inner.publish(hashes).catch((e: unknown) => {
      this.owesLost = true
      throw e
    })
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.inner.close()
  }

  private heard(hashes: readonly string[], sentAtMs: number | null): void {
    this.lastHeardMs = this.now()
    if (!this.hearing && this.inner.connected) this.setHearing(true)
    if (hashes.includes(LOST_INVALIDATIONS)) this.listener?.onLost?.()
    else if (hashes.length > 0) this.listener?.onInvalidate(hashes, sentAtMs)
  }

  private tick(): void {
    const now = this.now()
    const late = now - this.lastTickMs > 2 * HEARTBEAT_MS
    this.lastTickMs = now
    if (late) this.lastHeardMs = now
    else if (this.hearing && now - this.lastHeardMs > DEAF_AFTER_MS) this.setHearing(false)
    const owed = this.owesLost
    this.owesLost = false
    // A heartbeat that fails is tried again at the next beat; a lost one, owed again.
    this.inner.publish(owed ? [LOST_INVALIDATIONS] : []).catch(() => (this.owesLost ||= owed))
  }

  private setHearing(hearing: boolean): void {
    if (this.hearing === hearing) return
    this.hearing = hearing
    if (hearing) this.listener?.onUp()
    else this.listener?.onDown()
  }
}
