/** The typed arrays a batch keeps its numbers in, and how to make one. */
type Values = Float64Array | Uint32Array
interface ValuesOf<A extends Values> {
  new (length: number): A
}

/** Rows a batch starts with; it doubles from there. */
const INITIAL_ROWS = 256

/**
 * Usage numbers of many keys, `width` per key id (one `last_used_at`, or one counter per outcome
 * code), in flat typed arrays: what `UsageRecorder` collects between flushes and hands to a
 * `UsageWrites`. A Map from key id to a counter array or a large number made one or two objects
 * per key, live for a whole flush interval: at 12,000 keys every young-generation collection
 * that ran meanwhile copied them, 2–4 ms a time against 0.6–0.8 ms with these arrays (measured
 * in one script, same heap and garbage, 2026-11-30; DESIGN.md, "Usage batches"). Here a key is
 * one entry of a Map of small integers (its row), which the collector does not copy per key.
 *
 * Invariants, enforced here:
 * - a key id has at most one row, found through `rowOf`; a new row starts at zero;
 * - a row leaves the batch (`delete`) only when its writer says it is durably written, and
 *   `size` counts the rows still in it: a batch with `size` 0 has nothing left to write;
 * - nothing adds to a batch once it is handed to a writer (`UsageRecorder` detaches it first),
 *   so a deleted key is never given a row again.
 */
export class UsageBatch<A extends Values = Values> {
  private readonly rowOf = new Map<number, number>()
  private ids = new Float64Array(INITIAL_ROWS)
  /** `width` numbers per row, row after row. */
  private data: A
  /** Rows handed out (deleted ones included). */
  private rows = 0

  constructor(
    readonly width: number,
    private readonly Values: ValuesOf<A>,
  ) {
    this.data = new Values(INITIAL_ROWS * width)
  }

  /** Keys still in the batch. */
  get size(): number {
    return this.rowOf.size
  }

  /** Adds `n` to slot `slot` of `keyId` (a new key starts at zero). */
  add(keyId: number, slot: number, n: number): void {
    const at = this.offset(keyId) + slot
    this.data[at]! += n
  }

  /** Sets slot `slot` of `keyId` to `v` unless it holds more (a new key starts at zero). */
  raise(keyId: number, slot: number, v: number): void {
    const at = this.offset(keyId) + slot
    if (this.data[at]! < v) this.data[at] = v
  }

  /**
   * The numbers of all rows, to read a key's from `find(keyId)` on: `width` of them. A writer's
   * view of a detached batch; adding a key after this call may move them to a new array.
   */
  get values(): A {
    return this.data
  }

  /** Where the numbers of `keyId` start in `values`, if it is in the batch. */
  find(keyId: number): number | undefined {
    const row = this.rowOf.get(keyId)
    return row === undefined ? undefined : row * this.width
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
   * memory, e.g. shared with a worker. One block copy when no row was deleted, the usual case.
   */
  packInto(ids: Float64Array, values: A): void {
    if (this.rowOf.size === this.rows) {
      ids.set(this.ids.subarray(0, this.rows))
      values.set(this.data.subarray(0, this.rows * this.width))
      return
    }
    const w = this.width
    let i = 0
    for (const [id, row] of this.rowOf) {
      ids[i] = id
      values.set(this.data.subarray(row * w, row * w + w), i++ * w)
    }
  }

  /** Ids of the rows still in the batch, in row order. */
  private live(): Float64Array {
    if (this.rowOf.size === this.rows) return this.ids.slice(0, this.rows)
    return Float64Array.from(this.rowOf.keys())
  }

  /**
   * Where the numbers of `keyId` start: its row, added (zeroed) when new. Adding may move every
   * row to larger arrays, so callers index `data` only after this returns.
   */
  private offset(keyId: number): number {
    let row = this.rowOf.get(keyId)
    if (row === undefined) {
      if (this.rows === this.ids.length) this.grow()
      row = this.rows++
      this.rowOf.set(keyId, row)
      this.ids[row] = keyId
    }
    return row * this.width
  }

  private grow(): void {
    const n = this.ids.length * 2
    const ids = new Float64Array(n)
    ids.set(this.ids)
    const data = new this.Values(n * this.width)
    data.set(this.data)
    this.ids = ids
    this.data = data
  }
}

/** A batch of `last_used_at` times (epoch ms), one per key. */
export type LastUsedBatch = UsageBatch<Float64Array>
/** A batch of one UTC day's counters: one per outcome code, per key. */
export type CountBatch = UsageBatch<Uint32Array>

export const lastUsedBatch = (): LastUsedBatch => new UsageBatch(1, Float64Array)
export const countBatch = (codes: number): CountBatch => new UsageBatch(codes, Uint32Array)
