import type { SplittingSet } from '../../core/sharded-map.js'

/** A slice deletes for at most this long before it lets the loop run (issue 11: background work holds it ≤ 2 ms). */
const SLICE_MS = 1
/** Steps (a deletion, or a set found empty) between two reads of the clock. */
const CHECK_EVERY = 64

/**
 * Cache entries condemned in bulk — a user's cached key lookups when that user changed — and
 * deleted a slice at a time. Deleted at once, a user's 100,000 cached keys held every node's loop
 * for 81 ms at a role change (10,000: 15 ms; measured by hand, Node 20, 2026-12-07).
 *
 * Kept by the user whose change condemned them, so a read asks about one user's sets: the entry
 * it found names its holder. (A first version kept one list of sets and asked every one of them on
 * every read: 1 ms a read with 20,000 users pending, an attacker's measurement.)
 *
 * Invariants, kept with VerifyCache:
 * - a condemned entry reads as a miss from the moment `condemn` returns: every read that finds an
 *   entry asks `has(holder, hash)` first and, when it is condemned, deletes it at once (`take`);
 * - a user's condemned sets hold a hash only while the cache holds that user's condemned entry
 *   under it: whatever removes the entry (a read, a replacement by a fresh answer, an eviction, an
 *   expiry, a slice) `release`s the hash, from VerifyCache's dispose. So a slice never deletes an
 *   entry stored after the change.
 */
export class CondemnedEntries {
  private readonly byUser = new Map<number, SplittingSet[]>()
  private scheduled = false

  /** `remove` deletes one entry from the cache (a no-op when it is gone). */
  constructor(private readonly remove: (hash: string) => void) {}

  /** Whether anything is condemned: reads check this first, so the hot path pays one comparison. */
  get pending(): boolean {
    return this.byUser.size !== 0
  }

  /** Condemns user `userId`'s cached `hashes` (the set is taken over, not copied) and schedules their deletion. */
  condemn(userId: number, hashes: SplittingSet): void {
    const sets = this.byUser.get(userId)
    if (sets) sets.push(hashes)
    else this.byUser.set(userId, [hashes])
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.slice()).unref()
  }

  has(userId: number, hash: string): boolean {
    const sets = this.byUser.get(userId)
    return sets !== undefined && sets.some((s) => s.has(hash))
  }

  /** Deletes a condemned entry now (a read or a store found it). */
  take(userId: number, hash: string): void {
    this.release(userId, hash)
    this.remove(hash)
  }

  /** `userId`'s entry under `hash` left the cache: a later entry there is not condemned. */
  release(userId: number, hash: string): void {
    for (const s of this.byUser.get(userId) ?? []) s.delete(hash)
  }

  /** The cache was cleared: nothing is left to delete. */
  clear(): void {
    this.byUser.clear()
  }

  private slice(): void {
    const end = performance.now() + SLICE_MS
    let steps = 0
    const timeUp = () => ++steps % CHECK_EVERY === 0 && performance.now() > end
    for (const [userId, sets] of this.byUser) {
      for (let set = sets[0]; set; set = sets[0]) {
        for (const hash of set.values()) {
          set.delete(hash)
          this.remove(hash)
          if (timeUp()) return void setImmediate(() => this.slice()).unref()
        }
        sets.shift() // a user's sets: one, or a few when they changed again before these were deleted
        if (timeUp()) return void setImmediate(() => this.slice()).unref()
      }
      this.byUser.delete(userId)
    }
    this.scheduled = false
  }
}
