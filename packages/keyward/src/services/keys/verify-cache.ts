import type { KeyLookup } from '../../store/key-repository.js'
import { EntryCompactor, deepFreeze } from './cache-entry.js'
import { ClockCache } from './clock-cache.js'
import { CondemnedEntries } from './condemned-entries.js'
import type { PreparedAnswer } from './prepared-answer.js'
import { SplittingSet } from '../../core/sharded-map.js'

const UNKNOWN = { unknown: true } as const
/** A key lookup (under its bare hash) or another credential's entry (under a tag, see `credentialTag`). */
type Entry = KeyLookup | object | typeof UNKNOWN

/**
 * Tags of the entries other than key lookups: the caller's own credential (a
 * native session and its user) is resolved through the same cache and the same bus
 * as verified keys. Invariant, enforced here: every tag holds a ':' and a key
 * hash (64 hex digits) never does, so a tagged entry is never read as a key
 * lookup, nor a key lookup as a session, whatever secrets users import.
 */
export const credentialTag = {
  /** A native session, by the SHA-256 of its token. */
  session: (tokenHash: string): string => `s:${tokenHash}`,
  /**
   * A user as sessions see it (role, existence, deactivation), and every cached key lookup
   * whose responsible user (`holderOf`) it is: evicting this tag evicts them too (`evict`).
   */
  user: (userId: number): string => `u:${userId}`,
  /** A user's organization roles (services/orgs/). */
  memberships: (userId: number): string => `m:${userId}`,
}

const USER_TAG = credentialTag.user(0).slice(0, -1)
const isKeyLookup = (e: Entry): e is KeyLookup => 'key' in e && 'owner' in e

/** How many invalidations are remembered to decide whether a lookup in flight is stale. */
const RECENT_INVALIDATIONS = 256

/** Tells other nodes which hashes changed; resolves once the message is out. */
export type InvalidationPublisher = (hashes: readonly string[]) => Promise<void>

/**
 * Verification results by key hash: bounded, a not-recently-read entry dropped first (`clock-cache.ts`), with short-lived negative entries
 * so a flood of unknown keys does not become a flood of queries. Every write to a
 * key deletes its entries before the write's response goes out, and publishes the
 * hashes so other nodes delete theirs (see `cluster.ts`).
 */
export class VerifyCache {
  /** Beside each entry, its prepared answer once verified (null: it has none, `prepared-answer.ts`). */
  private readonly entries: ClockCache<string, Entry, PreparedAnswer | null> | null
  private publisher: InvalidationPublisher | null = null
  /** null: positive entries live until evicted (the bus is up); else their time to live (0: not kept). */
  private positiveTtlMs: number | null = null
  /**
   * Bumped by every invalidation and clear. A lookup that started before a bump
   * must not store its (possibly stale) database answer: see `version` and `set`.
   */
  private epoch = 0
  /** The last invalidations (hashes, or null for a clear), to tell which lookups they spoil. */
  private recent: { epoch: number; hashes: readonly string[] | null }[] = []
  private readonly compactor = new EntryCompactor()
  /**
   * Cached key lookups by responsible user (`holderOf`): a change to a user (role,
   * deactivation, deletion) is one message, `credentialTag.user`, and each node evicts that
   * user's keys from this index, however many there are. Kept in step with `entries` by `dispose`.
   */
  private readonly byUser = new Map<number, SplittingSet>()
  /** A changed user's cached key lookups, read as misses at once and deleted in slices (`condemned-entries.ts`). */
  private readonly condemned = new CondemnedEntries((hash) => this.entries?.delete(hash))

  constructor(
    size: number,
    private readonly negativeTtlMs: number,
  ) {
    this.entries =
      size > 0
        ? new ClockCache<string, Entry, PreparedAnswer | null>(size, (e, hash) => {
            if (isKeyLookup(e)) this.unindex(holderOf(e), hash)
          })
        : null
  }

  /** A lookup, `null` for a known-unknown hash, `undefined` on a miss. */
  get(hash: string): KeyLookup | null | undefined {
    return this.getTagged<KeyLookup>(hash)
  }

  /**
   * The cache slot of `hash`'s entry, read, or -1 on a miss (always -1 when the cache is off);
   * `lookupAt` reads it. The verify hot path keys its usage tally by slot (`hit-tally.ts`).
   */
  slotOf(hash: string): number {
    if (!this.entries) return -1
    const slot = this.entries.slotOf(hash)
    return slot >= 0 && this.condemned.pending && this.condemnedRead(this.entries.at(slot), hash) ? -1 : slot
  }

  /** The entry of `slot` (from `slotOf`, in the same synchronous turn): a lookup, or null for a known-unknown hash. */
  lookupAt(slot: number): KeyLookup | null {
    const e = this.entries!.at(slot)
    return e === UNKNOWN ? null : (e as KeyLookup)
  }

  /**
   * The prepared answer kept beside `slot`'s entry (from `slotOf`, this turn): undefined when none
   * was prepared yet, null when the entry has none. It lives exactly as long as the entry: every
   * write that deletes or replaces the entry drops it (`ClockCache`'s memo), here and on other nodes.
   */
  preparedAt(slot: number): PreparedAnswer | null | undefined {
    return this.entries!.memoAt(slot)
  }

  /**
   * Keeps `prepared`, made from `slot`'s entry (`lookupAt`, this turn), beside it. Checked here,
   * off the hot path: an answer made from another entry (a caller that awaited between `lookupAt`
   * and this call, while the slot changed hands) is not kept, so no key answers with another's.
   */
  prepare(slot: number, prepared: PreparedAnswer | null): void {
    if (prepared === null || prepared.lookup === this.entries!.at(slot)) this.entries!.memoize(slot, prepared)
  }

  /** A credential entry stored under a `credentialTag` (or a key lookup under its hash). */
  getTagged<T extends object>(tag: string): T | null | undefined {
    const e = this.entries?.get(tag)
    if (e === undefined || (this.condemned.pending && this.condemnedRead(e, tag))) return undefined
    return e === UNKNOWN ? null : (e as T)
  }

  /** Token to read before a database lookup and pass to `set`. */
  get version(): number {
    return this.epoch
  }

  /**
   * Remembers a database answer and returns the entry to answer from: the compact,
   * deeply frozen copy (`cache-entry.ts`), so a cached and an uncached answer are alike.
   * With `version`, the answer is not kept when an invalidation arrived while the query
   * ran (it may predate the write); it is still returned, for that one caller.
   */
  set(hash: string, found: KeyLookup | null, version?: number): KeyLookup | null {
    // Verify results hand out the cached scopes and meta without copying (hot path):
    // frozen, so a caller that mutates its result cannot change what others see.
    const lookup = found && this.compactor.compact(found)
    // An answer read before its user changed (`credentialTag.user`) may hold the old role or status.
    const userTag = lookup && credentialTag.user(holderOf(lookup))
    if (version !== undefined && userTag && this.changedSince(userTag, version)) return lookup
    if (this.keep(hash, lookup, version) && lookup) this.index(holderOf(lookup), hash)
    return lookup
  }

  /**
   * Remembers another credential's entry under its `credentialTag` (a session, a user), with
   * the same stale-answer rule as keys. Not compacted (it is no key lookup); frozen like one.
   */
  setTagged(tag: string, entry: object | null, version?: number): void {
    this.keep(tag, entry && deepFreeze(entry), version)
  }

  /** Stores an entry unless an invalidation spoiled it; true when a positive entry was stored. */
  private keep(name: string, entry: Entry | null, version: number | undefined): boolean {
    const { entries } = this
    if (!entries || (version !== undefined && this.changedSince(name, version))) return false
    if (entry) {
      if (this.positiveTtlMs === null) entries.set(name, entry)
      else if (this.positiveTtlMs > 0) entries.set(name, entry, this.positiveTtlMs)
      else return false
      return true
    } else if (this.negativeTtlMs > 0) entries.set(name, UNKNOWN, this.negativeTtlMs)
    return false
  }

  private index(userId: number, hash: string): void {
    let set = this.byUser.get(userId)
    if (!set) this.byUser.set(userId, (set = new SplittingSet()))
    set.add(hash)
  }

  /** A key lookup left the cache (ClockCache's `dispose`, whatever removed it): out of its user's index, condemned or not. */
  private unindex(userId: number, hash: string): void {
    const set = this.byUser.get(userId)
    if (set?.delete(hash) && set.size === 0) this.byUser.delete(userId)
    if (this.condemned.pending) this.condemned.release(userId, hash)
  }

  /**
   * A local write changed these keys: forget them here at once, then tell the other
   * nodes. Awaiting the result waits for the publication.
   */
  invalidate(hashes: readonly string[]): Promise<void> {
    this.evict(hashes)
    return this.publisher ? this.publisher(hashes) : Promise.resolve()
  }

  /** Another node changed these keys: forget them without publishing again. */
  evict(hashes: readonly string[]): void {
    this.bump(hashes)
    for (const h of hashes) {
      this.entries?.delete(h)
      if (h.startsWith(USER_TAG)) this.evictKeysOf(Number(h.slice(USER_TAG.length)))
    }
  }

  /** A user changed: their cached key lookups go too (they carry the role and the owner's status). */
  private evictKeysOf(userId: number): void {
    const hashes = this.byUser.get(userId)
    if (!hashes) return
    this.byUser.delete(userId)
    this.condemned.condemn(userId, hashes)
  }

  /** Whether `entry`, found under `hash`, was condemned with its user; if so it is deleted now and reads as a miss. */
  private condemnedRead(entry: Entry, hash: string): boolean {
    if (!isKeyLookup(entry) || !this.condemned.has(holderOf(entry), hash)) return false
    this.condemned.take(holderOf(entry), hash)
    return true
  }

  clear(): void {
    this.bump(null)
    this.entries?.clear()
    this.byUser.clear()
    this.condemned.clear()
  }

  private bump(hashes: readonly string[] | null): void {
    this.recent.push({ epoch: ++this.epoch, hashes })
    if (this.recent.length > RECENT_INVALIDATIONS) this.recent.shift()
  }

  /** Whether `hash` may have changed since `version` (true when history is too short to tell). */
  private changedSince(hash: string, version: number): boolean {
    if (version === this.epoch) return false
    const oldest = this.recent[0]
    if (!oldest || oldest.epoch > version + 1) return true
    for (const r of this.recent) if (r.epoch > version && (r.hashes === null || r.hashes.includes(hash))) return true
    return false
  }

  /** Where `invalidate` publishes (the invalidation bus). */
  setPublisher(publisher: InvalidationPublisher | null): void {
    this.publisher = publisher
  }

  /**
   * Time to live of positive entries from now on (null: unbounded; 0: not cached).
   * Bounded while this node cannot hear other nodes' invalidations, so a stale entry lives briefly.
   */
  setPositiveTtl(ms: number | null): void {
    this.positiveTtlMs = ms
  }

  get size(): number {
    return this.entries?.size ?? 0
  }
}

/**
 * The user whose changes an entry depends on: the person a key belongs to (`holderUserId`: their
 * own key, or their personal organization's, whose owner has `userId` 0), else `owner.userId`.
 */
function holderOf(l: KeyLookup): number {
  return l.holderUserId ?? l.owner.userId
}
