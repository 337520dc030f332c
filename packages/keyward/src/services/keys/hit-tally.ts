/** A slot's record in `HitTally.slots`: its length, and where each number sits in it. */
const STRIDE = 4
const LISTED = 0
const KEY_ID = 1
const LAST_USED = 2
const COUNT = 3

/** Where `drain` hands a slot's tally: the key, its last use (epoch ms), how many VALID answers. */
export type TallySink = (keyId: number, lastUsedMs: number, valid: number) => void

/**
 * VALID answers of cached keys, counted by cache slot (`VerifyCache.slotOf`) in one flat typed array:
 * the front buffer of `UsageRecorder` on the verify hot path. A hit writes two numbers at an index
 * it already holds; the recorder's batches by key id cost two hash-table lookups and scattered
 * writes per answer, about a fifth of a cached in-process verification (issue 11, measured with
 * and without them in one process, when they were maps of counter arrays). Refusals and answers
 * after a database query (no slot) go to those batches directly.
 *
 * Invariants, enforced here:
 * - every hit is counted once: `drain` hands each dirty slot's count and last use to the sink and
 *   zeroes it in the same synchronous call, and a slot's count is only ever added to here;
 * - a slot's tally is one key's: the cache may give the slot to another key at any time (eviction,
 *   invalidation, `clear`), so a hit for another key id in a dirty slot first drains the old key's
 *   tally. Nothing needs to be told of evictions, and a key counted in two slots (evicted, cached
 *   again) reaches the sink twice, which sums;
 * - a slot's last use is the latest of its key's hits since the slot was listed for it, whatever the
 *   order the wall clock gave them (a step back).
 */
export class HitTally {
  /**
   * Per slot, side by side (`STRIDE` numbers from `slot * STRIDE`): whether listed, the key id, its
   * last use, its count. One record, so a hit touches one line of memory, not four arrays' lines.
   */
  private readonly slots: Float64Array
  /** Slots with a count since the last drain, each listed once (`LISTED`). */
  private dirty: number[] = []
  /** The slots a sliced drain (`drainInSlices`) is handing over, and how far it got. */
  private draining: number[] = []
  private drainedTo = 0

  /**
   * `slots`: the verify cache's size (`KEYWARD_CACHE_SIZE`), which no slot it hands out reaches.
   * Allocated once, as the cache's own arrays are (`ClockCache`): grown by doubling as the cache
   * filled, the tally copied every record at once, 1–2 ms at 131,072 slots and 3.5–6 ms at 524,288
   * (measured by hand, Node 20, 2026-12-07), past DESIGN rule 10's 2 ms. Pages no slot has touched
   * cost no memory (the kernel maps zeroed pages on first write).
   */
  constructor(slots: number) {
    this.slots = new Float64Array(slots * STRIDE)
  }

  /** Counts one VALID answer of key `keyId`, cached in `slot`, at `atMs`. */
  hit(slot: number, keyId: number, atMs: number, sink: TallySink): void {
    const at = slot * STRIDE
    // A typed array drops writes past its end: a tally smaller than its cache would lose counts unseen.
    if (at >= this.slots.length)
      throw new RangeError(`cache slot ${slot} is past the hit tally's ${this.slots.length / STRIDE}`)
    const t = this.slots
    if (t[at + LISTED] === 0) {
      t[at + LISTED] = 1
      this.dirty.push(slot)
      t[at + KEY_ID] = keyId
      t[at + LAST_USED] = atMs
    } else if (t[at + KEY_ID] !== keyId) {
      this.drainSlot(slot, sink)
      t[at + KEY_ID] = keyId
      t[at + LAST_USED] = atMs
    } else if (atMs > t[at + LAST_USED]!) t[at + LAST_USED] = atMs // the latest, should the clock step back
    t[at + COUNT]! += 1
  }

  /** Slots with a tally not yet drained. */
  get size(): number {
    return this.dirty.length + this.draining.length - this.drainedTo
  }

  /** Hands every tally to `sink` at once, a sliced drain's rest included (a change of day needs them all). */
  drain(sink: TallySink): void {
    this.drainListed(sink, Infinity)
    this.draining = this.dirty
    this.drainedTo = 0
    this.dirty = []
    this.drainListed(sink, Infinity)
  }

  /**
   * Hands the tallies of the slots dirty now to `sink` in slices of `sliceMs`, awaiting `pause`
   * between them: 10,000 slots took 5–9 ms in one pass into maps of counter arrays, and still
   * 5–16 ms into flat batches in a fresh process (each new key costs the sink a row, and the batch
   * grows by doubling), and a flush must not hold the loop that long (DESIGN rule 10). A slot
   * hit again before its turn hands that hit too; one hit after its turn is listed afresh.
   */
  async drainInSlices(sink: TallySink, sliceMs: number, pause: () => Promise<void>): Promise<void> {
    this.draining = this.dirty
    this.drainedTo = 0
    this.dirty = []
    while (this.drainedTo < this.draining.length) {
      this.drainListed(sink, performance.now() + sliceMs)
      if (this.drainedTo < this.draining.length) await pause()
    }
  }

  /** Drains `draining` from `drainedTo` on, until done or past `endMs` (checked every 256 slots). */
  private drainListed(sink: TallySink, endMs: number): void {
    const slots = this.draining
    while (this.drainedTo < slots.length) {
      const slot = slots[this.drainedTo++]!
      this.drainSlot(slot, sink)
      this.slots[slot * STRIDE + LISTED] = 0
      if ((this.drainedTo & 255) === 0 && performance.now() > endMs) return
    }
  }

  private drainSlot(slot: number, sink: TallySink): void {
    const at = slot * STRIDE
    const n = this.slots[at + COUNT]!
    if (n === 0) return
    this.slots[at + COUNT] = 0
    sink(this.slots[at + KEY_ID]!, this.slots[at + LAST_USED]!, n)
  }
}
