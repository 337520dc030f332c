import { sha256Hex } from './seed.js'

/**
 * The in-process physical baseline: SHA-256 of the presented key, then a `Map.get` whose answer
 * is used. Unused, the lookup is dead code to V8's optimizer: a loop of
 * `() => known.get(sha256Hex(key))` ran exactly as fast as SHA-256 alone (0.30 µs per call
 * against 0.48 µs with the answer used, each variant in its own process, 2026-11-30), so the
 * bench's baseline measured the hash without the lookup, and every in-process ratio to it read
 * too low. A lookup that finds nothing is counted, and every presented key is known, so
 * `assertAllFound` also proves the loop looked up what it was given.
 */
export class ShaMapBaseline {
  private misses = 0
  private readonly known: Map<string, { id: number }>

  constructor(keys: readonly string[]) {
    this.known = new Map(keys.map((k, i) => [sha256Hex(k), { id: i + 1 }]))
  }

  lookup(key: string): void {
    if (this.known.get(sha256Hex(key)) === undefined) this.misses++
  }

  assertAllFound(): void {
    if (this.misses > 0) throw new Error(`the sha256 + Map baseline missed ${this.misses} known keys`)
  }
}
