import { setMaxListeners } from 'node:events'
import type { Clock } from '../../core/clock.js'
import type { AttemptOutcome, ClaimedDelivery, WebhookOutbox } from '../../store/webhook-outbox.js'
import type { SecretBox } from './secret-box.js'
import { type AttemptResult, postOnce } from './sender.js'
import { signedHeaders } from './signature.js'

/** Deliveries are retried for this long after they were created, then marked `failed`. */
export const RETRY_WINDOW_MS = 24 * 3600_000
const FIRST_RETRY_MS = 5_000
const LONGEST_WAIT_MS = 3600_000
/** Events fanned out, and deliveries attempted, per round: bounded, so a backlog never holds the event loop. */
const FAN_OUT_BATCH = 100
const SEND_BATCH = 16
const IDLE_POLL_MS = 1_000

export interface DispatcherOptions {
  timeoutMs: number
  allowPrivate: boolean
}

/**
 * Sends the outbox's deliveries (store/webhook-outbox.ts holds the lease and order invariants).
 * Each round fans out a bounded batch of events, leases a bounded batch of due deliveries for
 * the attempt timeout plus a margin, and sends them concurrently. `stop` aborts attempts in
 * flight and releases their leases without counting them, so SIGTERM loses nothing; after a
 * kill -9 the leases run out and any node sends again (at least once).
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null
  private round: Promise<void> | null = null
  private stopped = false
  /**
   * One signal for every attempt in flight, each adding an abort listener that its request removes when it ends:
   * no bound on how many at once (a round sends its deliveries concurrently), so Node's warning at 11 listeners
   * was noise in the log (a fuzzer read it as a leak).
   */
  private readonly abort = unboundedAbort()

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly box: Promise<SecretBox>,
    private readonly clock: Clock,
    private readonly opts: DispatcherOptions,
    private readonly onError: (e: unknown) => void,
  ) {}

  start(): void {
    this.schedule(0)
  }

  /** Runs a round now instead of at the next poll (after a test or redelivery request). */
  poke(): void {
    if (!this.stopped && !this.round) this.schedule(0)
  }

  /** One round; resolves true when more work is waiting. Exposed for tests that drive rounds by hand. */
  async runOnce(): Promise<boolean> {
    const now = this.clock.now()
    const fanned = await this.outbox.fanOut(now.toISOString(), FAN_OUT_BATCH)
    const leaseUntil = new Date(now.getTime() + this.opts.timeoutMs + 5_000).toISOString()
    const claimed = await this.outbox.claim(now.toISOString(), leaseUntil, SEND_BATCH)
    await Promise.all(claimed.map((d) => this.attempt(d)))
    return fanned === FAN_OUT_BATCH || claimed.length === SEND_BATCH
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.abort.abort()
    await this.round
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.round = this.runOnce()
        .catch((e: unknown) => {
          this.onError(e)
          return false
        })
        .then((more) => {
          this.round = null
          if (!this.stopped) this.schedule(more ? 0 : IDLE_POLL_MS)
        })
    }, ms)
    this.timer.unref()
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    // Decided at send time too: the owner may have gone, or lost sight of the key, since the fan-out.
    if (d.withheld) return this.outbox.withhold(d.id, d.withheld, this.clock.now().toISOString())
    const body = JSON.stringify({ type: d.type, timestamp: d.event_created_at, data: JSON.parse(d.data) as unknown })
    const now = this.clock.now()
    const headers = signedHeaders(await this.signers(d, now), `msg_${d.id}`, Math.floor(now.getTime() / 1000), body)
    const r = await postOnce(d.url, headers, body, { ...this.opts, signal: this.abort.signal })
    // Cut short by shutdown: not an attempt; the lease goes back for another node or the next start.
    if (this.abort.signal.aborted) return this.outbox.release([d.id])
    await this.outbox.finish(d.id, outcomeOf(r, d, this.clock.now()))
  }

  /** The secrets that sign now: the webhook's, and the one its last rotation replaced while that overlaps. */
  private async signers(d: ClaimedDelivery, now: Date): Promise<string[]> {
    const box = await this.box
    const overlapping = d.previous_secret && Date.parse(d.previous_secret_expires_at!) > now.getTime()
    return overlapping ? [box.open(d.secret), box.open(d.previous_secret!)] : [box.open(d.secret)]
  }
}

/** What an attempt makes of a delivery: done, due again after a backoff, or failed after the retry window. */
export function outcomeOf(
  r: AttemptResult,
  d: Pick<ClaimedDelivery, 'attempts' | 'created_at'>,
  now: Date,
  random: () => number = Math.random,
): AttemptOutcome {
  const base = {
    response_status: r.status,
    latency_ms: r.latencyMs,
    last_error: r.error,
    last_attempt_at: now.toISOString(),
  }
  if (r.ok) return { ...base, status: 'succeeded', next_attempt_at: now.toISOString() }
  const next = now.getTime() + backoffMs(d.attempts + 1, random)
  const failed = next > Date.parse(d.created_at) + RETRY_WINDOW_MS
  return { ...base, status: failed ? 'failed' : 'pending', next_attempt_at: new Date(next).toISOString() }
}

/** Exponential backoff with jitter: the n-th retry waits between half and all of 5 s·2^(n-1), at most an hour. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), LONGEST_WAIT_MS)
  return Math.round(cap / 2 + (random() * cap) / 2)
}

function unboundedAbort(): AbortController {
  const c = new AbortController()
  setMaxListeners(0, c.signal)
  return c
}
