import { PagedArray } from '../../core/paged-array.js'
import { ShardedMap } from '../../core/sharded-map.js'

/**
 * A bounded map that drops a not-recently-read entry when full: the CLOCK algorithm (second
 * chance). Entries sit in slots; a read sets the slot's `referenced` bit; to make room, a hand
 * sweeps the slots, clearing set bits, and evicts the first entry whose bit was clear — one not
 * read since the hand last passed it. A new entry starts unreferenced, so a flood of entries read
 * once (unknown keys) evicts itself before the keys in use.
 *
 * Why not lru-cache: a hit here is one `Map.get` and a bit set. lru-cache's bookkeeping on every
 * read (recency list, TTL clock) cost about 18 % of a cached in-process verification (issue 11,
 * A/B in one process).
 *
 * Invariants, enforced here:
 * - at most `max` entries, ever (`set` evicts before it adds);
 * - `dispose(value, key)` runs exactly once for every entry that leaves — deleted, replaced,
 *   expired on read, or evicted — and always before `set` returns, so a caller that indexes
 *   entries (VerifyCache's by-user index) re-indexes after `set` and never loses a live entry;
 *   `clear` disposes nothing: its caller resets what `dispose` maintains;
 * - an entry with a time to live reads as absent once `performance.now()` passes it;
 * - a slot's memo (`memoize`) is its entry's: `set` (a replacement too), every removal and `clear`
 *   drop it, so a memo never outlives its entry nor passes to the next one in the slot.
 */
export class ClockCache<K extends number | string, V, M = never> {
  /**
   * Each key's slot, or its complement (`~slot`, negative) when the entry has a time to live: so a
   * hit on an entry without one (every positive entry while the bus is up) reads no `expires`, one
   * random memory access fewer (issue 11). Sharded: a full cache's churn (an eviction, then a new
   * entry) made a plain Map rehash 100,000 entries at once (`sharded-map.ts`).
   */
  private readonly index = new ShardedMap<K, number>()
  /** Paged: a plain array's growth copied every slot at once (`paged-array.ts`). */
  private readonly keys = new PagedArray<K>()
  private readonly values = new PagedArray<V>()
  /** Something derived from a slot's entry, kept beside it (VerifyCache's prepared answers). */
  private readonly memos = new PagedArray<M>()
  /**
   * Allocated at `max` once: doubled as the cache filled, they copied every slot at once (6 ms
   * at 131,072 slots, measured by hand, Node 20, 2026-12-07). Nine bytes a slot cost no memory
   * until touched (the kernel maps zeroed pages on first write: 0.3 MB of RSS for `max` =
   * 10,000,000, the largest `KEYWARD_CACHE_SIZE`), though V8 counts them as external memory.
   */
  private readonly referenced: Uint8Array
  /** `performance.now()` ms after which the slot's entry is gone; read only for entries the index marks as having one. */
  private readonly expires: Float64Array
  /** Emptied slots below `keys.length`: reused before anything is evicted. */
  private free: number[] = []
  private hand = 0

  constructor(
    private readonly max: number,
    private readonly dispose: (value: V, key: K) => void,
  ) {
    this.referenced = new Uint8Array(max)
    this.expires = new Float64Array(max)
  }

  get size(): number {
    return this.index.size
  }

  get(key: K): V | undefined {
    const slot = this.slotOf(key)
    return slot < 0 ? undefined : this.values.get(slot)
  }

  /**
   * The slot holding `key`'s entry, read (its bit set), or -1. A slot holds that entry only until
   * the next `set`, `delete` or `clear`: read it with `at` in the same synchronous turn.
   */
  slotOf(key: K): number {
    const at = this.index.get(key)
    if (at === undefined) return -1
    const slot = at < 0 ? ~at : at
    if (at < 0 && this.expires[slot]! <= performance.now()) {
      this.remove(key, slot)
      return -1
    }
    this.referenced[slot] = 1
    return slot
  }

  /** The entry in `slot` (from `slotOf`, this turn). */
  at(slot: number): V {
    return this.values.get(slot)!
  }

  /** The memo of `slot`'s entry (from `slotOf`, this turn), or undefined. */
  memoAt(slot: number): M | undefined {
    return this.memos.get(slot)
  }

  /** Keeps `memo` beside `slot`'s entry (from `slotOf`, this turn) until the entry changes or leaves. */
  memoize(slot: number, memo: M): void {
    this.memos.set(slot, memo)
  }

  /** Stores `value` under `key` for `ttlMs` when given, disposing the entry it replaces or evicts. */
  set(key: K, value: V, ttlMs?: number): void {
    const at = this.index.get(key)
    let slot = at === undefined ? undefined : at < 0 ? ~at : at
    const replaced = slot === undefined ? undefined : this.values.get(slot)
    if (slot === undefined) {
      slot = this.free.pop() ?? (this.keys.length < this.max ? this.grow() : this.evict())
      this.keys.set(slot, key)
    }
    this.index.set(key, ttlMs === undefined ? slot : ~slot)
    this.values.set(slot, value)
    this.memos.set(slot, undefined)
    this.expires[slot] = ttlMs === undefined ? 0 : performance.now() + ttlMs
    this.referenced[slot] = 0
    if (replaced !== undefined) this.dispose(replaced, key)
  }

  delete(key: K): boolean {
    const at = this.index.get(key)
    if (at === undefined) return false
    this.remove(key, at < 0 ? ~at : at)
    return true
  }

  /** Forgets every entry without disposing them: the caller resets whatever `dispose` maintains. */
  clear(): void {
    this.index.clear()
    this.keys.clear()
    this.values.clear()
    this.memos.clear()
    this.free = []
    this.hand = 0
  }

  /** Empties `slot` for reuse. */
  private remove(key: K, slot: number): void {
    const value = this.values.get(slot)!
    this.index.delete(key)
    this.keys.set(slot, undefined)
    this.values.set(slot, undefined)
    this.memos.set(slot, undefined)
    this.free.push(slot)
    this.dispose(value, key)
  }

  /** A new slot at the end. */
  private grow(): number {
    this.keys.push()
    this.values.push()
    this.memos.push()
    return this.keys.length - 1
  }

  /**
   * The slot of the first unreferenced entry from the hand on, emptied. Called only when every
   * slot is full (`free` is empty), so it ends within one sweep plus one slot.
   */
  private evict(): number {
    for (;;) {
      const slot = this.hand
      this.hand = (slot + 1) % this.keys.length
      if (this.referenced[slot]) this.referenced[slot] = 0
      else {
        this.remove(this.keys.get(slot)!, slot)
        return this.free.pop()!
      }
    }
  }
}
