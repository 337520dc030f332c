import { VERIFY_CODES, type VerifyCode } from '../../core/verify-result.js'
import type { KeyRepository } from '../../store/key-repository.js'
import { type CountBatch, type LastUsedBatch, countBatch, lastUsedBatch } from '../../store/usage-batch.js'
import type { UsageCount, UsageRepository } from '../../store/usage-repository.js'
import type { UsageWrites } from '../../store/usage-writer.js'
import { ChunkClaims } from './chunk-claims.js'
import { type ChunkPacer, SLICE_MS, writeInChunks, yieldToLoop } from './chunked-writes.js'
import { HitTally } from './hit-tally.js'

const DAY_MS = 86_400_000
const CODE_INDEX = Object.fromEntries(VERIFY_CODES.map((c, i) => [c, i])) as Record<VerifyCode, number>
const VALID_INDEX = CODE_INDEX.VALID
const CODES = VERIFY_CODES.length

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
 * increments a number in a batch (`store/usage-batch.ts`: flat arrays, no object per key).
 * `flush()` on shutdown writes what is pending.
 *
 * A batch grows with the number of distinct keys used per interval (10,000 and more).
 * Where it goes is a `UsageWrites`: on a SQLite file, a worker thread with its own
 * connection (`store/usage-writer.ts`: better-sqlite3 statements would hold this event
 * loop); on PostgreSQL and in-memory SQLite, `inThreadWrites` (multi-row chunks in time
 * slices, `chunked-writes.ts`). Either way an entry leaves its detached batch only once
 * written, so a failed batch stays pending and the next flush writes the rest, once.
 */
export class UsageRecorder {
  private pending = lastUsedBatch()
  /** Detached `last_used_at` batches not yet (fully) written, oldest first: a failed chunk stays here. */
  private lastUsedBatches: LastUsedBatch[] = []
  // Counters of the current UTC day by key id, one slot per code; days left behind (and detached
  // batches not fully written) wait in `closed`.
  private day = -1
  /** The current day's bounds (epoch ms): a use outside them changes the day. */
  private dayStartMs = Infinity
  private dayEndMs = -Infinity
  private counts = countBatch(CODES)
  /** VALID answers of cached keys, by cache slot, until the next flush or change of day. */
  private readonly hits: HitTally
  private closed: { day: number; counts: CountBatch }[] = []
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> = Promise.resolve()

  constructor(
    private readonly writes: UsageWrites,
    private readonly intervalMs: number,
    /** The verify cache's size: its slots are where `hit` counts (`HitTally`). */
    cacheSlots: number,
    private onError: (e: unknown) => void,
    /** Told how long each flush took, in seconds (`keyward_usage_flush_duration_seconds`). */
    private readonly flushed: (seconds: number) => void = () => {},
  ) {
    this.hits = new HitTally(cacheSlots)
  }

  setErrorHandler(onError: (e: unknown) => void): void {
    this.onError = onError
  }

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.flush(), this.intervalMs)
    this.timer.unref()
  }

  /**
   * Notes a use at `atMs` (epoch ms). A number, not a Date or string: this runs on every verification.
   * The latest use wins whatever the order of the calls: two verifications of one key can finish
   * out of order (`Verifier.check` takes its time before awaiting a limit).
   */
  touch(keyId: number, atMs: number): void {
    this.pending.raise(keyId, 0, atMs)
  }

  /** Counts one verification of a key at `atMs` (epoch ms) with its outcome (`VALID` or a refusal code). */
  count(keyId: number, code: VerifyCode, atMs: number): void {
    if (atMs < this.dayStartMs || atMs >= this.dayEndMs) this.enterDay(atMs)
    this.add(keyId, CODE_INDEX[code], 1)
  }

  /**
   * A VALID answer of a key cached in `slot` (`VerifyCache.slotOf`) at `atMs`: `touch` and `count`
   * in one, tallied by slot (`hit-tally.ts`) and moved into the batches by key id when flushed.
   */
  hit(slot: number, keyId: number, atMs: number): void {
    if (atMs < this.dayStartMs || atMs >= this.dayEndMs) this.enterDay(atMs)
    this.hits.hit(slot, keyId, atMs, this.fromTally)
  }

  private add(keyId: number, codeIndex: number, n: number): void {
    this.counts.add(keyId, codeIndex, n)
  }

  /** A slot's tally, counted for the current day: every tally is drained before the day changes. */
  private readonly fromTally = (keyId: number, lastUsedMs: number, valid: number): void => {
    this.pending.raise(keyId, 0, lastUsedMs)
    this.add(keyId, VALID_INDEX, valid)
  }

  /** Closes the current day (its tallies first) and counts the day of `atMs` from now on. */
  private enterDay(atMs: number): void {
    this.hits.drain(this.fromTally)
    this.closeDay(dayNumber(atMs))
  }

  /** Detaches the counters collected so far (they wait for the flush) and counts `day` from now on. */
  private closeDay(day: number): void {
    if (this.counts.size > 0) this.closed.push({ day: this.day, counts: this.counts })
    this.counts = countBatch(CODES)
    this.day = day
    this.dayStartMs = day * DAY_MS
    this.dayEndMs = this.dayStartMs + DAY_MS
  }

  /**
   * Writes everything pending. A failed chunk and what follows it stay pending for the
   * next flush (`last_used_at` only moves forward, counts are additive, so order does not matter).
   */
  flush(): Promise<void> {
    this.inFlight = this.inFlight.then(async () => {
      const start = performance.now()
      await this.hits.drainInSlices(this.fromTally, SLICE_MS, yieldToLoop)
      // One after the other: two writers interleaving would hold the loop for two chunks in a row.
      await this.flushLastUsed()
      await this.flushCounts()
      this.flushed((performance.now() - start) / 1000)
    })
    return this.inFlight
  }

  private async flushLastUsed(): Promise<void> {
    if (this.pending.size > 0) this.lastUsedBatches.push(this.pending)
    this.pending = lastUsedBatch()
    while (this.lastUsedBatches.length > 0) {
      const failed = await this.writes.lastUsed(this.lastUsedBatches[0]!)
      if (failed) return this.onError(failed.error)
      this.lastUsedBatches.shift()
    }
  }

  private async flushCounts(): Promise<void> {
    this.closeDay(this.day)
    while (this.closed.length > 0) {
      const { day, counts } = this.closed[0]!
      const failed = await this.writes.counts(dayString(day), counts)
      if (failed) return this.onError(failed.error)
      this.closed.shift()
    }
  }

  /**
   * Stops the timer and writes everything pending before resolving (close, SIGTERM). A batch
   * that failed (a writer thread that died) is tried again while attempts make progress.
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    for (let left = Infinity; ;) {
      await this.flush()
      const now = this.unwritten()
      if (now === 0 || now >= left) break
      left = now
    }
    await this.writes.close()
  }

  /** Entries detached or pending and not yet written. */
  private unwritten(): number {
    let n = this.pending.size + this.counts.size + this.hits.size
    for (const b of this.lastUsedBatches) n += b.size
    for (const c of this.closed) n += c.counts.size
    return n
  }
}

/**
 * Usage writes on the event loop's own connection, in time-sliced multi-row chunks
 * (`chunked-writes.ts`): PostgreSQL (statements do not block) and in-memory SQLite
 * (one connection only). `pacer`: `chunkPacerFor(store.dialect)`.
 */
export function inThreadWrites(keys: KeyRepository, usage: UsageRepository, pacer: ChunkPacer): UsageWrites {
  const claims = new ChunkClaims()
  return {
    lastUsed: (batch) =>
      writeInChunks(
        batch,
        (ids) => keys.touchLastUsed(ids.map((id) => [id, new Date(batch.get(id, 0)!).toISOString()])),
        pacer,
      ),
    counts: (day, batch) =>
      writeInChunks(
        batch,
        (ids) => claims.write(batch, ids, (claim) => usage.add(usageRows(batch, ids, day), claim)),
        pacer,
      ),
    // Its claims go with it (the retry they guard will not come); one left by a failed delete is swept a day later.
    close: () => usage.releaseClaims(claims.held()).catch(() => {}),
  }
}

/**
 * The rows of one chunk of one day's counters: one per (key, code) that occurred. Unique
 * per statement, as an upsert requires: a day's batch holds each key once.
 */
function usageRows(batch: CountBatch, ids: readonly number[], day: string): UsageCount[] {
  const rows: UsageCount[] = []
  for (const keyId of ids) {
    for (let i = 0; i < CODES; i++) {
      const count = batch.get(keyId, i)!
      if (count > 0) rows.push({ keyId, day, code: VERIFY_CODES[i]!, count })
    }
  }
  return rows
}
