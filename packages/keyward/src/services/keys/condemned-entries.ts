import type { SplittingSet } from '../../core/sharded-map.js'

/** A slice deletes for at most this long before it lets the loop run (issue 11: background work holds it ≤ 2 ms). */
const SLICE_MS = 1
/** Deletions between two reads of the clock. */
const CHECK_EVERY = 64

/**
 * Cache entries condemned in bulk — a user's cached key lookups when that user changed — and
 * deleted a slice at a time. Deleted at once, a user's 100,000 cached keys held every node's loop
 * for 81 ms at a role change (10,000: 15 ms; measured by hand, Node 20, 2026-12-07).
 *
 * Invariants, kept with VerifyCache, which calls this on every read and every store:
 * - a condemned hash reads as a miss from the moment `condemn` returns: every read of the cache
 *   asks `has` first and, when it is condemned, deletes its entry at once (`take`);
 * - a hash is no longer condemned once it is stored again: every store `take`s a condemned hash
 *   first, so a slice never deletes an entry stored after the change.
 */
export class CondemnedEntries {
  private readonly sets: SplittingSet[] = []
  private scheduled = false

  /** `remove` deletes one entry from the cache (a no-op when it is gone). */
  constructor(private readonly remove: (hash: string) => void) {}

  /** Whether anything is condemned: reads check this first, so the hot path pays one comparison. */
  get pending(): boolean {
    return this.sets.length !== 0
  }

  /** Condemns these hashes (the set is taken over, not copied) and schedules their deletion. */
  condemn(hashes: SplittingSet): void {
    this.sets.push(hashes)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.slice()).unref()
  }

  has(hash: string): boolean {
    for (const s of this.sets) if (s.has(hash)) return true
    return false
  }

  /** Deletes a condemned hash's entry now (a read found it condemned). */
  take(hash: string): void {
    for (const s of this.sets) s.delete(hash)
    this.remove(hash)
  }

  /** The cache was cleared: nothing is left to delete. */
  clear(): void {
    this.sets.length = 0
  }

  private slice(): void {
    const end = performance.now() + SLICE_MS
    let n = 0
    while (this.sets.length > 0) {
      const set = this.sets[0]!
      for (const hash of set.values()) {
        set.delete(hash)
        this.remove(hash)
        if (++n % CHECK_EVERY === 0 && performance.now() > end) return void setImmediate(() => this.slice()).unref()
      }
      this.sets.shift()
    }
    this.scheduled = false
  }
}
