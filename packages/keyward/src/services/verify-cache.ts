import { LRUCache } from 'lru-cache'
import type { KeyLookup } from '../store/key-repository.js'

const UNKNOWN = { unknown: true } as const
type Entry = KeyLookup | typeof UNKNOWN

/**
 * Verification results by key hash: bounded LRU, with short-lived negative entries
 * so a flood of unknown keys does not become a flood of queries. Every write to a
 * key deletes its entries before the write's response goes out.
 */
export class VerifyCache {
  private readonly lru: LRUCache<string, Entry> | null

  constructor(size: number, private readonly negativeTtlMs: number) {
    this.lru = size > 0 ? new LRUCache<string, Entry>({ max: size, ttlAutopurge: false }) : null
  }

  /** A lookup, `null` for a known-unknown hash, `undefined` on a miss. */
  get(hash: string): KeyLookup | null | undefined {
    const e = this.lru?.get(hash)
    if (e === undefined) return undefined
    return 'unknown' in e ? null : e
  }

  set(hash: string, lookup: KeyLookup | null): void {
    if (!this.lru) return
    if (lookup) this.lru.set(hash, lookup)
    else if (this.negativeTtlMs > 0) this.lru.set(hash, UNKNOWN, { ttl: this.negativeTtlMs })
  }

  invalidate(hashes: readonly string[]): void {
    for (const h of hashes) this.lru?.delete(h)
  }

  clear(): void {
    this.lru?.clear()
  }

  get size(): number {
    return this.lru?.size ?? 0
  }
}
