import { Gauge, Histogram, Registry } from 'prom-client'
import { VERIFY_CODES, type VerifyResult } from '../../core/verify-result.js'
import { BucketTally, CountTally, TalliedHistogram, readCounter, talliedCounter } from './tally.js'

/** Seconds from sub-microsecond cache hits to a slow database lookup. */
const VERIFY_BUCKETS = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1]
const LAG_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
const FLUSH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const OUTCOMES = ['allowed', 'limited'] as const

/**
 * `verifySync` times one answer in this many, weighted by it: a clock read costs 200–270 ns on
 * this project's machines (more than the rest of the metrics), and a synchronous answer takes
 * about a microsecond. Every answer is still counted by code; the duration histogram's buckets,
 * sum and count estimate all synchronous answers without bias (count to within this number).
 */
export const SYNC_SAMPLE_EVERY = 16

/** What the verify path reports. Every method is an add into preallocated numbers (`tally.ts`). */
export interface VerifyMeter {
  /**
   * A verification answered `r`; `startMs` is `performance.now()` at its start, or NaN when it
   * was not timed (see `sampledStart`), `weight` how many answers the timing stands for. Returns `r`.
   */
  answered<R extends VerifyResult>(r: R, startMs: number, weight?: number): R
  /** `performance.now()` for one call in `SYNC_SAMPLE_EVERY`, else NaN (not timed). */
  sampledStart(): number
  /** The verification's key lookup was answered by the cache (`true`) or needed the database. */
  lookedUp(hit: boolean): void
  /** The key's rate limiter allowed the request, or refused it. */
  rateLimited(allowed: boolean): void
}

/** What the cluster and usage machinery report (not on the verify hot path). */
export interface StackMeter {
  /** An invalidation published at `sentAtMs` (epoch ms, the publisher's clock) was evicted here now. */
  invalidationHeard(sentAtMs: number): void
  /** A usage flush took `seconds`. */
  flushed(seconds: number): void
}

/** What the gauges read at scrape time. */
export interface MeteredStack {
  cache: { readonly size: number }
  bus: { readonly connected: boolean }
  limiter: { readonly kind: string }
}

/**
 * One verification stack's metrics in its own prom-client `Registry` (several stacks may share
 * a process: tests, or a host with an embedded verifier and a server). Names as issue 12 lists
 * them; docs/operations.md, "Observability", explains each. No per-key label: a label per key would make
 * the registry grow with the key count and put key ids in every scraper's storage.
 */
export class KeywardMetrics implements VerifyMeter, StackMeter {
  readonly registry = new Registry()
  private readonly codes = new CountTally(VERIFY_CODES)
  private readonly duration = new BucketTally(VERIFY_BUCKETS)
  private readonly outcomes = new CountTally(OUTCOMES)
  private syncCalls = 0
  private hits = 0
  private misses = 0
  private readonly lag: Histogram
  private readonly flush: Histogram

  constructor() {
    const r = this.registry
    talliedCounter(r, 'keyward_verifications_total', 'Key verifications by answer code.', 'code', this.codes)
    new TalliedHistogram(r, 'keyward_verify_duration_seconds', 'Time to answer one verification.', this.duration)
    readCounter(r, 'keyward_cache_hits_total', 'Verifications whose key lookup the cache answered.', () => this.hits)
    readCounter(r, 'keyward_cache_misses_total', 'Verifications whose key lookup queried the database.', () => {
      return this.misses
    })
    this.lag = new Histogram({
      name: 'keyward_invalidation_lag_seconds',
      help: 'From a node publishing a key change to this node evicting it (wall clocks of both nodes).',
      buckets: LAG_BUCKETS,
      registers: [r],
    })
    this.flush = new Histogram({
      name: 'keyward_usage_flush_duration_seconds',
      help: 'One flush of batched last_used_at and per-day usage counts.',
      buckets: FLUSH_BUCKETS,
      registers: [r],
    })
  }

  /** Verifications whose lookup the cache answered, so far. */
  get cacheHits(): number {
    return this.hits
  }

  /** Verifications whose lookup queried the database, so far. */
  get cacheMisses(): number {
    return this.misses
  }

  answered<R extends VerifyResult>(r: R, startMs: number, weight = 1): R {
    this.codes.inc(r.code)
    if (startMs === startMs) this.duration.observe((performance.now() - startMs) / 1000, weight) // not NaN
    return r
  }

  sampledStart(): number {
    return ++this.syncCalls % SYNC_SAMPLE_EVERY === 0 ? performance.now() : NaN
  }

  lookedUp(hit: boolean): void {
    if (hit) this.hits++
    else this.misses++
  }

  rateLimited(allowed: boolean): void {
    this.outcomes.inc(allowed ? 'allowed' : 'limited')
  }

  invalidationHeard(sentAtMs: number): void {
    // Clocks of two hosts may disagree by a little: a negative lag is read as none.
    this.lag.observe(Math.max(0, Date.now() - sentAtMs) / 1000)
  }

  flushed(seconds: number): void {
    this.flush.observe(seconds)
  }

  /** Adds the gauges and the rate-limit counter, which read the stack's parts (once they exist). */
  watch(stack: MeteredStack): void {
    const r = this.registry
    new Gauge({
      name: 'keyward_cache_entries',
      help: 'Entries in the verify cache (keys, known-unknown keys, sessions).',
      registers: [r],
      collect() {
        this.set(stack.cache.size)
      },
    })
    new Gauge({
      name: 'keyward_bus_connected',
      help: '1 while invalidations from other nodes are heard (always 1 on a local bus), else 0.',
      registers: [r],
      collect() {
        this.set(stack.bus.connected ? 1 : 0)
      },
    })
    talliedCounter(
      r,
      'keyward_ratelimit_decisions_total',
      "Per-key rate-limit decisions of verifications, by the limiter's store.",
      'outcome',
      this.outcomes,
      { store: stack.limiter.kind },
    )
  }
}
