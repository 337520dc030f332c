import { randomInt } from 'node:crypto'

/** Shards per map: a million entries leave about 4,000 in each, whose rehash takes well under a millisecond. */
const SHARDS = 256

/**
 * A Map split into `SHARDS` Maps by a cheap function of the key, for maps that grow to hundreds of
 * thousands of entries on the event loop. A V8 Map rehashes all its entries at once when it doubles,
 * or when deletions have filled its table: one `set` took 22–29 ms at 131,072 entries, number or
 * string keys alike (measured by hand, Node 20, 2026-12-06), and the usage batches and the verify
 * cache's index both reach that size with 100,000 keys in use (DESIGN rule 10: no work holds the
 * loop more than 2 ms). Here a rehash moves one shard's entries only.
 *
 * Keys are small integers (key ids: shard by the low bits) or strings whose last characters vary
 * (hex digests, credential tags). Iteration order is by shard, not insertion: callers must not
 * depend on order.
 */
export class ShardedMap<K extends number | string, V> {
  private readonly shards: Map<K, V>[] = Array.from({ length: SHARDS }, () => new Map<K, V>())
  private count = 0

  get size(): number {
    return this.count
  }

  get(key: K): V | undefined {
    return this.shards[shardOf(key)]!.get(key)
  }

  set(key: K, value: V): this {
    const shard = this.shards[shardOf(key)]!
    const before = shard.size
    shard.set(key, value)
    this.count += shard.size - before
    return this
  }

  delete(key: K): boolean {
    if (!this.shards[shardOf(key)]!.delete(key)) return false
    this.count--
    return true
  }

  clear(): void {
    for (const shard of this.shards) shard.clear()
    this.count = 0
  }

  *keys(): IterableIterator<K> {
    for (const shard of this.shards) yield* shard.keys()
  }

  *entries(): IterableIterator<[K, V]> {
    for (const shard of this.shards) yield* shard.entries()
  }
}

/**
 * Where a string's second pair of digits is read, counted from its end, chosen once per process
 * out of sight: a caller can grind unknown keys whose digest ends in chosen digits (one try in 256)
 * and so pile negative entries into one shard, but cannot aim at a pair it does not know.
 */
const SECRET_FROM_END = randomInt(3, 33)

/**
 * The shard of `key`: an integer's low bits folded with the next ones; a string's last two
 * characters as hex digits, mixed with two more at a secret place (exact for digits and a–f, so
 * a digest spreads evenly; any other string still lands in some shard).
 */
function shardOf(key: number | string): number {
  if (typeof key === 'number') return (key ^ (key >>> 8)) & (SHARDS - 1)
  const n = key.length
  const last = (hexDigit(key.charCodeAt(n - 2)) << 4) | hexDigit(key.charCodeAt(n - 1))
  const m = n - SECRET_FROM_END
  return last ^ (hexDigit(key.charCodeAt(m)) << 4) ^ hexDigit(key.charCodeAt(m + 1))
}

/** '0'–'9' and 'a'–'f' to 0–15; other characters to some value in 0–15 (NaN, past the end, to 0). */
const hexDigit = (c: number) => (c + (c >> 6) * 9) & 15

/** Past this many members a `SplittingSet` moves to shards: moving them, or one rehash before, takes well under a millisecond. */
const SPLIT_AT = 4_096

/**
 * A set of strings that starts as one Set and moves into a ShardedMap once it holds more than
 * `SPLIT_AT`: for many small sets of which a few may grow huge (the verify cache's keys by user:
 * most users hold a few, one may hold 100,000), where a ShardedMap each would cost 256 Maps.
 */
export class SplittingSet {
  private small: Set<string> | null = new Set()
  private big: ShardedMap<string, true> | null = null

  get size(): number {
    return this.small ? this.small.size : this.big!.size
  }

  add(value: string): void {
    if (!this.small) this.big!.set(value, true)
    else if (this.small.add(value).size > SPLIT_AT) this.split()
  }

  has(value: string): boolean {
    return this.small ? this.small.has(value) : this.big!.get(value) === true
  }

  delete(value: string): boolean {
    return this.small ? this.small.delete(value) : this.big!.delete(value)
  }

  values(): IterableIterator<string> {
    return this.small ? this.small.values() : this.big!.keys()
  }

  private split(): void {
    this.big = new ShardedMap()
    for (const value of this.small!) this.big.set(value, true)
    this.small = null
  }
}
