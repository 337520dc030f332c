import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { VerifyCache, credentialTag } from '../../src/services/keys/verify-cache.js'
import { assertLongestCall, longestCall } from '../longest-call.js'
import { hashOf, lookup } from './cache-fixtures.js'

/**
 * Attack on the by-user index of the verify cache (kept by the CLOCK cache's `dispose`): under
 * eviction pressure, replacements, negative entries, expiries and immediate re-caching, evicting
 * a user (`u:<id>`) must leave no cached key lookup of that user. Random operations, checked after
 * every user eviction against a model of what is cached.
 */

describe('attack: verify cache by-user index under eviction', () => {
  for (const size of [1, 2, 3, 8]) {
    it(`size ${size}: a user eviction leaves none of their keys cached`, async () => {
      let seed = size * 7919
      const rnd = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff
        return seed % n
      }
      for (const ttl of [null, 1]) {
        const cache = new VerifyCache(size, 1)
        cache.setPositiveTtl(ttl)
        for (let step = 0; step < 20_000; step++) {
          const h = rnd(12)
          const holder = rnd(3)
          const op = rnd(10)
          if (op < 4) cache.set(hashOf(h), lookup(h, holder), rnd(2) ? cache.version : undefined)
          else if (op < 5) cache.set(hashOf(h), null)
          else if (op < 6) cache.setTagged(credentialTag.session(String(h)), { id: h })
          else if (op < 8) cache.get(hashOf(h))
          else if (op < 9) cache.evict([hashOf(h)])
          else {
            cache.evict([credentialTag.user(holder)])
            for (let k = 0; k < 12; k++) {
              const e = cache.get(hashOf(k))
              assert.ok(
                !e || e.holderUserId !== holder,
                `BROKEN at step ${step}: key ${k} of user ${holder} survived u:${holder}`,
              )
            }
          }
          if (ttl === 1 && rnd(50) === 0) await new Promise((r) => setTimeout(r, 2))
        }
      }
    })
  }

  it('one user with 150,000 cached keys, then churned: no set holds the loop past 5 ms, and their eviction leaves none', async () => {
    // A plain Map index and a plain Set per user rehashed every entry at once when they doubled, and
    // again once churn (eviction, new entry) filled their tables: 22–29 ms a set at 131,072 entries;
    // the slot arrays grown by push copied every slot: 5 ms at 114,467, 12 ms at 257,594.
    const MAX = 150_000
    const trial = async () => {
      const cache = new VerifyCache(MAX, 1)
      const lookups = Array.from({ length: 2 * MAX }, (_, n) => lookup(n, 7))
      const longest = await longestCall(2 * MAX, (n) => cache.set(hashOf(n), lookups[n]!))
      cache.evict([credentialTag.user(7)])
      for (let n = MAX; n < 2 * MAX; n += 997) assert.equal(cache.get(hashOf(n)), undefined, `key ${n} survived u:7`)
      return longest
    }
    await assertLongestCall('set', 5, trial)
  })

  it("a user's 100,000 cached keys: evicted at once as misses, deleted in slices, sparing what is cached again", async () => {
    // Deleted in one loop, they held the event loop for 81 ms (10,000 keys: 15 ms) on every node.
    const N = 100_000
    const cache = new VerifyCache(2 * N, 60_000)
    for (let n = 0; n < N; n++) cache.set(hashOf(n), lookup(n, 7))
    cache.set(hashOf(N), lookup(N, 8)) // another user's key stays
    const started = performance.now()
    cache.evict([credentialTag.user(7)])
    const evictMs = performance.now() - started
    assert.ok(evictMs < 5, `the eviction itself took ${evictMs.toFixed(2)} ms`)
    // Misses from the moment evict returns, by either read.
    for (let n = 0; n < N; n += 4_999) {
      assert.equal(cache.get(hashOf(n)), undefined, `key ${n} survived u:7`)
      assert.equal(cache.slotOf(hashOf(n + 1)), -1, `key ${n + 1} survived u:7 (slot)`)
    }
    // Cached again before the slices reach them: a fresh lookup, and a known-unknown.
    cache.set(hashOf(N - 1), lookup(N - 1, 7))
    cache.set(hashOf(N - 2), null)
    let turns = 0
    while (cache.size > 3 && turns < 10_000) {
      await new Promise((r) => setImmediate(r))
      turns++
    }
    assert.equal(cache.size, 3, 'the condemned entries are deleted')
    assert.ok(turns >= 10, `deleted in ${turns} turns: not sliced`)
    assert.equal(cache.get(hashOf(N - 1))?.key.id, N - 1, 'a key cached again after the eviction survives the slices')
    assert.equal(cache.get(hashOf(N - 2)), null, 'a known-unknown cached after the eviction survives')
    assert.equal(cache.get(hashOf(N))?.key.id, N, "another user's key is untouched")
    cache.evict([credentialTag.user(7)]) // the index kept the key cached again
    assert.equal(cache.get(hashOf(N - 1)), undefined)
  })
})
