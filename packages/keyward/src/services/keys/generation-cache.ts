/** An entry with a time to live: read as absent from `until` (`performance.now()` ms) on. */
class Expiring<V> {
  constructor(
    readonly value: V,
    readonly until: number,
  ) {}
}

type Slot<V> = V | Expiring<V>

const valueOf = <V>(s: Slot<V>): V => (s instanceof Expiring ? s.value : s)

/** How many entries of a dropped generation each insertion disposes (≥ 1 finishes one before the next drop). */
const DISPOSALS_PER_INSERT = 2

/**
 * A bounded map with approximate LRU eviction in two generations (the "hashlru" scheme): new and
 * recently read entries live in `young`; when `young` holds half the capacity it becomes `old`, and
 * the previous `old` is dropped. Reading an `old` entry moves it to `young`, so what is read stays.
 *
 * Why not lru-cache: a hit here is one `Map.get`. lru-cache's bookkeeping on every read (recency
 * list, TTL clock) cost 18 % of a cached in-process verification (issue 11, A/B in one process).
 *
 * Invariants, enforced here:
 * - a key lives in at most one generation (`set` and promotion remove it from the other), so
 *   `size` counts entries once and holds at most `max`;
 * - `dispose(value, key)` runs once for every entry that leaves: deleted, replaced, expired, or
 *   dropped with its generation — except by `clear`, whose caller resets what dispose maintains;
 * - a dropped generation is disposed a few entries per insertion, not in one block (at 100,000
 *   entries a drop would otherwise hold the event loop for milliseconds), and an entry whose key
 *   was cached again meanwhile is not disposed: its disposal would undo the new entry's bookkeeping.
 */
export class GenerationCache<K, V> {
  private young = new Map<K, Slot<V>>()
  private old = new Map<K, Slot<V>>()
  /** Entries of the last dropped generation still to dispose. */
  private dropped: Iterator<[K, Slot<V>]> | null = null
  private readonly half: number

  constructor(
    max: number,
    private readonly dispose: (value: V, key: K) => void,
  ) {
    this.half = Math.max(1, Math.ceil(max / 2))
  }

  get size(): number {
    return this.young.size + this.old.size
  }

  get(key: K): V | undefined {
    let slot = this.young.get(key)
    if (slot === undefined) {
      slot = this.old.get(key)
      if (slot === undefined) return undefined
      this.old.delete(key)
      this.insert(key, slot)
    }
    if (!(slot instanceof Expiring)) return slot
    if (slot.until > performance.now()) return slot.value
    this.delete(key)
    return undefined
  }

  /** Stores `value` (replacing and disposing an entry under `key`), for `ttlMs` when given. */
  set(key: K, value: V, ttlMs?: number): void {
    this.delete(key)
    this.insert(key, ttlMs === undefined ? value : new Expiring(value, performance.now() + ttlMs))
  }

  delete(key: K): boolean {
    const slot = this.young.get(key) ?? this.old.get(key)
    if (slot === undefined) return false
    if (!this.young.delete(key)) this.old.delete(key)
    this.dispose(valueOf(slot), key)
    return true
  }

  /** Forgets every entry without disposing them: the caller resets whatever `dispose` maintains. */
  clear(): void {
    this.young = new Map()
    this.old = new Map()
    this.dropped = null
  }

  private insert(key: K, slot: Slot<V>): void {
    this.disposeDropped(DISPOSALS_PER_INSERT)
    this.young.set(key, slot)
    if (this.young.size < this.half) return
    this.disposeDropped(Infinity) // normally done already: each insertion disposed two
    this.dropped = this.old.entries()
    this.old = this.young
    this.young = new Map()
  }

  private disposeDropped(count: number): void {
    for (let i = 0; i < count && this.dropped; i++) {
      const next = this.dropped.next()
      if (next.done) this.dropped = null
      else if (!this.young.has(next.value[0]) && !this.old.has(next.value[0]))
        this.dispose(valueOf(next.value[1]), next.value[0])
    }
  }
}
