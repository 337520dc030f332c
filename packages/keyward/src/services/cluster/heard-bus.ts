import { randomBytes } from 'node:crypto'
import { BusCanary } from './bus-canary.js'
import { giveUpAfter } from './give-up.js'
import { type BusListener, type InvalidationBus, LOST_INVALIDATIONS } from './invalidation-bus.js'

/** How often each node publishes a heartbeat on the bus. */
export const HEARTBEAT_MS = 500

/** A node that has not heard its own heartbeat for this long is deaf. */
export const DEAF_AFTER_MS = 2_000

/**
 * How long a publish may take before it counts as lost. Longer than a held event loop usually
 * lasts: a reply read late is not a lost message, and each loss clears every node's cache.
 */
export const PUBLISH_TIMEOUT_MS = 2_000

/** A publish unanswered for `PUBLISH_TIMEOUT_MS`: sending again on that connection would wait as long. */
export class PublishTimeout extends Error {
  constructor() {
    super(`bus publish unanswered after ${PUBLISH_TIMEOUT_MS} ms`)
  }
}

/** A heartbeat's one "hash": `h:` and the node's id. No key hash or credential tag starts so. */
const BEAT = 'h:'

/**
 * A bus that counts as connected only while this node hears itself on it: the transports report
 * a closed connection, not a silent one, nor a message that never left. Each left nodes serving
 * revoked keys and ended sessions from cache with no end (attackers' finds: a half-open link to
 * Redis or PostgreSQL, on the listening or on the publishing connection, kept `connected` true; a
 * 500 ms blip of the writer's link lost its invalidation for good). Invariants, enforced here:
 *
 * 1. Each node publishes a heartbeat naming itself every `HEARTBEAT_MS`, through the path its
 *    invalidations take, and listens for it through the path theirs arrive by. One that has not
 *    heard its own for `DEAF_AFTER_MS` is down (`onDown`: its cache cleared, short TTLs) until it
 *    does again (`onUp`: cleared again), renews its publishing connection (`renew`), and owes
 *    the others a `LOST_INVALIDATIONS` (what it sent meanwhile may not have arrived).
 * 2. A publish that fails or takes over `PUBLISH_TIMEOUT_MS` (the transport's `publishTimeoutMs`)
 *    and whose retries fail too is lost (`publishLost`): the node owes the others `LOST_INVALIDATIONS`,
 *    sent with its next heartbeat that goes through (`onLost` there: every cache cleared), since
 *    what it failed to say is unknown.
 * 3. It hears the other nodes, not only itself (`BusCanary`, where a `canary` is given): one that
 *    misses another node's canary is down like a deaf one, until it hears one of theirs.
 * So a silent link, either way, costs its node about `DEAF_AFTER_MS` of staleness and the others
 * that plus a heartbeat once the node is heard again; a link to another bus than the others',
 * about `DEAF_AFTER_MS` plus two heartbeats. A timer late by more than a heartbeat (this
 * process's loop was held) skips the checks, never twice in a row: its own heartbeat may
 * be queued unread. Silence is counted from the last beat heard, lateness or not: a late tick
 * that restarted the count let a loop held every other beat hide a silent link for good (an
 * attacker's find). Heartbeats go through `beat` where the transport has one (PostgreSQL: the
 * listening connection, not the store pool, where a wait for a connection under load is no silence).
 */
export class HeardBus implements InvalidationBus {
  private readonly ownBeat = BEAT + randomBytes(6).toString('hex')
  private listener: BusListener | null = null
  private hearing = true
  private lastHeardMs = 0
  private lastTickMs = 0
  private owesLost = false
  private skipped = false
  private closed = false
  private timer: NodeJS.Timeout | null = null
  private ticks = 0
  private canaryBusy = false
  private canaryJudgeSkipped = false

  constructor(
    /** The transport (Redis pub/sub, PostgreSQL LISTEN/NOTIFY). */
    readonly inner: InvalidationBus,
    /** A monotonic clock: a wall clock stepped back would delay deafness by the step. */
    private readonly now: () => number = () => performance.now(),
    /** Invariant 3's canaries; none for a bus used alone (tests). */
    private readonly canary: BusCanary | null = null,
  ) {}

  get kind(): InvalidationBus['kind'] {
    return this.inner.kind
  }

  get connected(): boolean {
    return this.inner.connected && this.hearing
  }

  async start(listener: BusListener): Promise<void> {
    this.listener = listener
    await this.inner.start({
      onInvalidate: (hashes, sentAtMs) => this.heard(hashes, sentAtMs),
      onDown: () => this.setHearing(false),
      // A reconnect is heard at once, unless another node is not (a renewed link may reach the same wrong bus).
      onUp: () => {
        this.lastHeardMs = this.now()
        this.mayHearAgain()
      },
    })
    if (this.closed) return // closed while connecting: no timer to leak
    this.lastHeardMs = this.lastTickMs = this.now()
    this.timer = setInterval(() => this.tick(), HEARTBEAT_MS)
    this.timer.unref()
  }

  async publish(hashes: readonly string[]): Promise<void> {
    await this.send(hashes, (h) => this.inner.publish(h))
  }

  /** A publish given up (its retries failed too): the others are owed a clear-all. */
  publishLost(): void {
    this.owesLost = true
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    await this.inner.close()
  }

  private heard(hashes: readonly string[], sentAtMs: number | null): void {
    if (hashes.length === 1 && hashes[0]!.startsWith(BEAT)) return this.heardBeat(hashes[0]!)
    if (hashes.length === 1 && BusCanary.is(hashes[0]!)) return this.heardCanary(hashes[0]!)
    if (hashes.includes(LOST_INVALIDATIONS)) this.listener?.onLost?.()
    else if (hashes.length > 0) this.listener?.onInvalidate(hashes, sentAtMs)
  }

  private heardBeat(beat: string): void {
    if (beat !== this.ownBeat) return
    this.lastHeardMs = this.now()
    this.mayHearAgain()
  }

  private heardCanary(canary: string): void {
    this.canary?.heardOnBus(canary)
    if (this.now() - this.lastHeardMs <= DEAF_AFTER_MS) this.mayHearAgain()
  }

  private mayHearAgain(): void {
    if (!this.hearing && this.inner.connected && !this.missesOthers()) this.setHearing(true)
  }

  /** Invariant 3 fails: another node went unheard (`BusCanary`). */
  private missesOthers(): boolean {
    return this.canary?.missing ?? false
  }

  private tick(): void {
    const now = this.now()
    // Once in a row: a loop that lags at every beat (sustained overload) must not hide a silent link.
    const late = now - this.lastTickMs > 2 * HEARTBEAT_MS && !this.skipped
    this.skipped = late
    this.lastTickMs = now
    if (!late && this.hearing && now - this.lastHeardMs > DEAF_AFTER_MS) this.deaf()
    if (this.ticks++ % 2 === 0) this.checkCanaries(late)
    // A heartbeat that fails loses no invalidation: the next one tries again.
    const beat = (h: readonly string[]) => (this.inner.beat ? this.inner.beat(h) : this.inner.publish(h))
    this.send([this.ownBeat], beat).catch(() => {})
    if (!this.owesLost) return
    this.owesLost = false
    this.send([LOST_INVALIDATIONS], (h) => this.inner.publish(h)).catch(() => (this.owesLost = true))
  }

  /** Invariant 3, every other beat: one check at a time (a slow database read is no missed canary). */
  private checkCanaries(late: boolean): void {
    if (!this.canary) return
    if (this.missesOthers() && this.hearing) this.deaf()
    if (this.canaryBusy) return
    // Judging skips a late tick, never two in a row of its own (it runs every other tick: under a
    // loop late at every tick, the skips of the heartbeat check fell on every canary tick).
    const judge = !late || this.canaryJudgeSkipped
    this.canaryJudgeSkipped = !judge
    this.canaryBusy = true
    const publish = (c: string) => this.send([c], (h) => this.inner.publish(h))
    this.canary
      .tick(publish, judge)
      // A failed read judges nothing (`BusCanary.tick`).
      .catch(() => {})
      .finally(() => {
        this.canaryBusy = false
        if (this.missesOthers() && this.hearing && !this.closed) this.deaf()
      })
  }

  /**
   * Sends through `how`; rejects after the transport's publish timeout unanswered. Async, so a
   * transport that throws instead of rejecting still rejects here (callers only `.catch`).
   */
  private async send(hashes: readonly string[], how: (h: readonly string[]) => Promise<void>): Promise<void> {
    const ms = this.inner.publishTimeoutMs ?? PUBLISH_TIMEOUT_MS
    return giveUpAfter(ms, how(hashes), () => new PublishTimeout())
  }

  private deaf(): void {
    this.setHearing(false)
    this.owesLost = true
    this.inner.renew?.()
  }

  private setHearing(hearing: boolean): void {
    if (this.hearing === hearing) return
    this.hearing = hearing
    if (hearing) this.listener?.onUp()
    else this.listener?.onDown()
  }
}
