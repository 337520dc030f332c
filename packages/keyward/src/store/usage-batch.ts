import { copied } from '../core/paged-array.js'
import { ShardedMap } from '../core/sharded-map.js'

/** The typed arrays a batch keeps its numbers in, and how to make one. */
type Values = Float64Array | Uint32Array
interface ValuesOf<A extends Values> {
  new (length: number): A
}

/** Rows a batch starts with; its first page doubles from there to a page's size. */
const INITIAL_ROWS = 256
const PAGE_BITS = 12
const PAGE_ROWS = 1 << PAGE_BITS
const PAGE_MASK = PAGE_ROWS - 1

/**
 * Usage numbers of many keys, `width` per key id (one `last_used_at`, or one counter per outcome
 * code), in flat typed arrays: what `UsageRecorder` collects between flushes and hands to a
 * `UsageWrites`. A Map from key id to a counter array or a large number made one or two objects
 * per key, live for a whole flush interval: at 12,000 keys every young-generation collection
 * that ran meanwhile copied them, 2–4 ms a time against 0.6–0.8 ms with these arrays (measured
 * in one script, same heap and garbage, 2026-11-30; DESIGN.md, "Usage batches"). Here a key is
 * one entry of a map of small integers (its row), which the collector does not copy per key.
 *
 * Invariants, enforced here:
 * - a key id has at most one row, found through `rowOf`; a new row starts at zero;
 * - a row leaves the batch (`delete`) only when its writer says it is durably written, and
 *   `size` counts the rows still in it: a batch with `size` 0 has nothing left to write;
 * - nothing adds to a batch once it is handed to a writer (`UsageRecorder` detaches it first),
 *   so a deleted key is never given a row again.
 */
export class UsageBatch<A extends Values = Values> {
  /** Sharded: a batch reaches 100,000 keys and more, and a plain Map's rehash then held the loop 18 ms (`sharded-map.ts`). */
  private readonly rowOf = new ShardedMap<number, number>()
  /**
   * Ids and `width` numbers per row, `PAGE_ROWS` rows a page: growing adds a page. Doubling one
   * array copied (and first touched) all of it at once: 5 ms at 65,536 rows, 10 ms at 131,072.
   */
  private readonly idPages: Float64Array[] = []
  private readonly dataPages: A[] = []
  /** Rows handed out (deleted ones included), and rows the pages have room for. */
  private rows = 0
  private capacity = 0

  constructor(
    readonly width: number,
    private readonly Values: ValuesOf<A>,
  ) {}

  /** Keys still in the batch. */
  get size(): number {
    return this.rowOf.size
  }

  /** Adds `n` to slot `slot` of `keyId` (a new key starts at zero). */
  add(keyId: number, slot: number, n: number): void {
    const row = this.rowFor(keyId)
    this.dataPages[row >>> PAGE_BITS]![(row & PAGE_MASK) * this.width + slot]! += n
  }

  /** Sets slot `slot` of `keyId` to `v` unless it holds more (a new key starts at zero). */
  raise(keyId: number, slot: number, v: number): void {
    const row = this.rowFor(keyId)
    const page = this.dataPages[row >>> PAGE_BITS]!
    const at = (row & PAGE_MASK) * this.width + slot
    if (page[at]! < v) page[at] = v
  }

  /** Slot `slot` of `keyId`, if the key is in the batch. */
  get(keyId: number, slot: number): number | undefined {
    const row = this.rowOf.get(keyId)
    return row === undefined ? undefined : this.dataPages[row >>> PAGE_BITS]![(row & PAGE_MASK) * this.width + slot]
  }

  /** Takes a written key out of the batch. */
  delete(keyId: number): void {
    this.rowOf.delete(keyId)
  }

  /** Takes every key out of the batch: all were written. */
  clear(): void {
    this.rowOf.clear()
  }

  /** The ids of the keys in the batch, ascending (a typed-array sort: 12,000 ids in about a millisecond). */
  sortedIds(): Float64Array {
    return this.live().sort()
  }

  /**
   * The batch as two arrays (its ids, and `width` numbers per id in the same order) in `into`'s
   * memory, e.g. shared with a worker. A block copy a page when no row was deleted, the usual case.
   */
  packInto(ids: Float64Array, values: A): void {
    const w = this.width
    if (this.rowOf.size === this.rows) {
      this.forEachPage((p, n) => {
        ids.set(this.idPages[p]!.subarray(0, n), p * PAGE_ROWS)
        values.set(this.dataPages[p]!.subarray(0, n * w), p * PAGE_ROWS * w)
      })
      return
    }
    let i = 0
    for (const [id, row] of this.rowOf.entries()) {
      const at = (row & PAGE_MASK) * w
      ids[i] = id
      values.set(this.dataPages[row >>> PAGE_BITS]!.subarray(at, at + w), i++ * w)
    }
  }

  /** Ids of the rows still in the batch. */
  private live(): Float64Array {
    if (this.rowOf.size !== this.rows) return Float64Array.from(this.rowOf.keys())
    const ids = new Float64Array(this.rows)
    this.forEachPage((p, n) => ids.set(this.idPages[p]!.subarray(0, n), p * PAGE_ROWS))
    return ids
  }

  /** `fn(page, rows)` for each page in order, with how many of its rows are filled. */
  private forEachPage(fn: (page: number, rows: number) => void): void {
    for (let p = 0; p * PAGE_ROWS < this.rows; p++) fn(p, Math.min(PAGE_ROWS, this.rows - p * PAGE_ROWS))
  }

  /** The row of `keyId`, added (zeroed) when new. */
  private rowFor(keyId: number): number {
    let row = this.rowOf.get(keyId)
    if (row === undefined) {
      if (this.rows === this.capacity) this.extend()
      row = this.rows++
      this.rowOf.set(keyId, row)
      this.idPages[row >>> PAGE_BITS]![row & PAGE_MASK] = keyId
    }
    return row
  }

  /** Room for more rows: the first page doubles from `INITIAL_ROWS` (most batches stay small), then whole pages. */
  private extend(): void {
    const pages = this.idPages.length
    if (pages === 1 && this.capacity < PAGE_ROWS) {
      const n = this.capacity * 2
      this.idPages[0] = copied(this.idPages[0]!, new Float64Array(n))
      this.dataPages[0] = copied(this.dataPages[0]!, new this.Values(n * this.width))
      this.capacity = n
      return
    }
    const n = pages === 0 ? INITIAL_ROWS : PAGE_ROWS
    this.idPages.push(new Float64Array(n))
    this.dataPages.push(new this.Values(n * this.width))
    this.capacity += n
  }
}

/** A batch of `last_used_at` times (epoch ms), one per key. */
export type LastUsedBatch = UsageBatch<Float64Array>
/** A batch of one UTC day's counters: one per outcome code, per key. */
export type CountBatch = UsageBatch<Uint32Array>

export const lastUsedBatch = (): LastUsedBatch => new UsageBatch(1, Float64Array)
export const countBatch = (codes: number): CountBatch => new UsageBatch(codes, Uint32Array)
