import type { Dialect } from '../../store/database.js'
import type { UsageBatch } from '../../store/usage-batch.js'

/** Lets the event loop turn (timers, I/O, waiting requests) before the caller goes on. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * How long one slice of background writes may hold the event loop before it yields: a slice
 * ends at the first chunk that finishes past this, so it lasts at most this plus one chunk
 * (about `CHUNK_TARGET_MS`). DESIGN rule 10 allows 2 ms; this leaves room for an outlier chunk.
 */
export const SLICE_MS = 1
/** What one chunk (one statement, its own transaction) should cost: a small part of a slice. */
const CHUNK_TARGET_MS = 0.25

/**
 * Sizes the chunks of background writes so each one blocks the event loop for about
 * `targetMs`: a slice (`SLICE_MS`) then holds a few chunks and overruns by a fraction of one.
 * On better-sqlite3 a statement runs synchronously, so a chunk's wall time is the time
 * the loop was held; the next size follows what the last chunk cost per row, so a slow
 * or busy machine gets smaller chunks. Growth is at most ×2 per chunk (one cheap chunk
 * does not justify a huge one); shrinking is immediate. On PostgreSQL the wall time also
 * counts waiting for the server, which only makes chunks smaller than they need be.
 */
export class ChunkPacer {
  private size: number

  constructor(
    private readonly targetMs = CHUNK_TARGET_MS,
    private readonly min = 4,
    private readonly max = 1000,
    initial = 16,
  ) {
    this.size = initial
  }

  /**
   * Rows to put in the next chunk: the size rounded down to a power of two (at least `min`),
   * so a flush reuses a few statement texts, which the SQLite connection keeps prepared
   * (`store/statement-cache.ts`), instead of preparing a new multi-row statement per chunk.
   */
  get next(): number {
    return Math.max(this.min, 2 ** Math.floor(Math.log2(this.size)))
  }

  /** Records that a chunk of `rows` rows took `ms` milliseconds. */
  observe(rows: number, ms: number): void {
    const fitting = Math.floor((rows * this.targetMs) / Math.max(ms, 0.01))
    this.size = Math.max(this.min, Math.min(this.max, fitting, this.size * 2))
  }
}

/**
 * The pacing of background writes on a store: adaptive on better-sqlite3, whose statements
 * hold the event loop; a fixed 500 rows on PostgreSQL, whose statements do not (only
 * compiling and sending one does, well under a millisecond at that size), and whose
 * wall times would otherwise shrink chunks to a crawl on a slow network.
 */
export function chunkPacerFor(dialect: Dialect): ChunkPacer {
  return dialect === 'sqlite' ? new ChunkPacer() : new ChunkPacer(1, 500, 500, 500)
}

/**
 * Writes the keys of `batch` in chunks sized by `pacer`, one statement (so one short transaction)
 * each, in time slices: after a chunk, once `SLICE_MS` has passed since the slice began, it yields
 * to the event loop (timers, I/O, waiting requests) and starts the next slice. `write` is given a
 * chunk's key ids and reads their numbers from `batch`; each chunk's keys are deleted from `batch`
 * once written. Stops at the first failing chunk and returns its error: `batch` then holds exactly
 * what is still unwritten (the failed chunk included), for the next attempt. Nothing may add to
 * `batch` meanwhile (callers hand over a detached batch).
 *
 * Keys go in ascending id (row id) order. A batch holds keys in the order they were first used,
 * which is random over the table: each chunk then dirtied about one page per row, and a commit
 * writes every dirty page (to SQLite's WAL), so a 256-row chunk wrote about 1 MB. In id order a
 * chunk's rows share pages (rows and `key_usage` are clustered by key id): measured on 10,000 keys,
 * 3–5× less time per row.
 */
export async function writeInChunks(
  batch: UsageBatch,
  write: (ids: number[]) => Promise<void>,
  pacer: ChunkPacer,
): Promise<{ error: unknown } | null> {
  await yieldToLoop()
  // Sorted in its own turn of the event loop, not in the first slice.
  const ids = batch.sortedIds()
  await yieldToLoop()
  let sliceStart = performance.now()
  for (let at = 0; at < ids.length;) {
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToLoop()
      sliceStart = performance.now()
    }
    const start = performance.now()
    const chunk = Array.from(ids.subarray(at, at + pacer.next))
    try {
      await write(chunk)
    } catch (error) {
      return { error }
    }
    for (const id of chunk) batch.delete(id)
    at += chunk.length
    pacer.observe(chunk.length, performance.now() - start)
  }
  return null
}
