import { sha256Hex } from './seed.js'

/**
 * The in-process physical baseline: SHA-256 of the presented key, then a `Map.get` whose answer
 * is used. Unused, the lookup is dead code to V8's optimizer: a loop of
 * `() => known.get(sha256Hex(key))` ran exactly as fast as SHA-256 alone (0.30 µs per call
 * against 0.48 µs with the answer used, each variant in its own process; with TurboFan off, both
 * variants cost the same, 2026-11-30), so the bench's baseline measured the hash without the
 * lookup, and every in-process ratio to it read too low. The hits are counted, and `check`
 * proves the loop looked up what it was given.
 */
export class ShaMapBaseline {
  private lookups = 0
  private found = 0
  private readonly known: Map<string, { id: number }>

  /** `digest`: how the key is hashed (`hotpath.ts` also times the older `createHash` form). */
  constructor(
    keys: readonly string[],
    private readonly digest: (key: string) => string = sha256Hex,
  ) {
    this.known = new Map(keys.map((k, i) => [digest(k), { id: i + 1 }]))
  }

  /** The entry, as a verifier answers one (the awaited loop resolves its promise with it). */
  lookup(key: string): { id: number } | undefined {
    this.lookups++
    const entry = this.known.get(this.digest(key))
    if (entry !== undefined) this.found++
    return entry
  }

  /**
   * Throws unless every lookup since the last check found its key (`keys` are known) or none did
   * (a flood of unknown keys); a workload presents keys of one kind only.
   */
  check(workload: string, keys: readonly string[]): void {
    const expected = this.known.has(this.digest(keys[0]!)) ? this.lookups : 0
    if (this.found !== expected)
      throw new Error(`the sha256 + Map baseline found ${this.found} of ${this.lookups} keys of "${workload}"`)
    this.lookups = this.found = 0
  }
}
