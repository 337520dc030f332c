import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { VerifyCache, credentialTag } from '../../src/services/keys/verify-cache.js'
import { hashOf, lookup } from './cache-fixtures.js'

/**
 * Attack on the verify cache's condemned entries (a changed user's cached keys, read as misses at
 * once and deleted in slices, `condemned-entries.ts`): random operations against a model that
 * deletes them synchronously, as the cache did before. Checked after every operation without
 * reading through the cache (a read deletes what it finds condemned): what a read would answer,
 * the by-user index, dispose exactly once, the size bound. Written by an attacker (2026-12-07); a
 * `has` that always said no, or a `take` that kept the hash condemned, failed it at once.
 *
 * `performance.now` is the model's fake clock (entry TTLs), except inside the slices, where every
 * read advances 2 ms: a slice then stops after 64 steps, so deletions span turns even for a few keys.
 */
let fakeNow = 1_000
let sliceClock = 0
performance.now = () => {
  if (new Error().stack!.includes('CondemnedEntries.slice')) return (sliceClock += 2)
  return fakeNow
}
const turn = () => new Promise((r) => setImmediate(r))

type Op =
  | { t: 'set'; h: number; holder: number | null; id: number; ver: 'none' | 'now' | number }
  | { t: 'token' }
  | { t: 'get'; h: number }
  | { t: 'slot'; h: number }
  | { t: 'evictUser'; u: number }
  | { t: 'evictHash'; h: number }
  | { t: 'evictBoth'; h: number; u: number }
  | { t: 'turn' }
  | { t: 'drain' }
  | { t: 'clear' }
  | { t: 'fill'; u: number; from: number; count: number }
  | { t: 'ttl'; ms: number | null }
  | { t: 'advance'; ms: number }

const H = 10
const FILL = 200
const ALL = [...Array.from({ length: H }, (_, n) => n), ...Array.from({ length: FILL }, (_, n) => 16 + n)]
const hArb = fc.oneof(
  { weight: 4, arbitrary: fc.nat(H - 1) },
  { weight: 1, arbitrary: fc.nat(FILL - 1).map((n) => 16 + n) },
)
const U = 3
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('set' as const),
      h: hArb,
      holder: fc.option(fc.nat(U - 1), { freq: 5 }),
      id: fc.nat(1000),
      ver: fc.oneof(fc.constant('none' as const), fc.constant('now' as const), fc.nat(4)),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ t: 'token' as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('get' as const), h: hArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('slot' as const), h: hArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('evictUser' as const), u: fc.nat(U - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('evictHash' as const), h: hArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('evictBoth' as const), h: hArb, u: fc.nat(U - 1) }) },
  { weight: 2, arbitrary: fc.constant({ t: 'turn' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'drain' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'clear' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('fill' as const),
      u: fc.nat(U - 1),
      from: fc.nat(FILL - 1),
      count: fc.nat(FILL),
    }),
  },
)
const ttlOpArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: opArb },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('ttl' as const), ms: fc.option(fc.constantFrom(0, 3, 10), { freq: 3 }) }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.nat(6) }) },
)

/** Exact synchronous model (the behaviour before the change, with an unbounded cache). */
class Model {
  store = new Map<string, { holder: number | null; id: number; expires: number }>()
  ttl: number | null = null
  negTtl = 5
  live(h: string) {
    const e = this.store.get(h)
    if (e && e.expires !== 0 && e.expires <= fakeNow) {
      this.store.delete(h)
      return undefined
    }
    return e
  }
  epoch = 0
  recent: { epoch: number; hashes: string[] | null }[] = []
  tokens: number[] = []
  bump(hashes: string[] | null) {
    this.recent.push({ epoch: ++this.epoch, hashes })
    if (this.recent.length > 256) this.recent.shift()
  }
  changedSince(name: string, v: number) {
    if (v === this.epoch) return false
    const oldest = this.recent[0]
    if (!oldest || oldest.epoch > v + 1) return true
    return this.recent.some((r) => r.epoch > v && (r.hashes === null || r.hashes.includes(name)))
  }
  set(h: string, holder: number | null, id: number, v: number | undefined) {
    if (v !== undefined && holder !== null && this.changedSince(`u:${holder}`, v)) return
    if (v !== undefined && this.changedSince(h, v)) return
    if (holder === null) this.store.set(h, { holder, id, expires: fakeNow + this.negTtl })
    else if (this.ttl === null) this.store.set(h, { holder, id, expires: 0 })
    else if (this.ttl > 0) this.store.set(h, { holder, id, expires: fakeNow + this.ttl })
  }
  evict(hashes: string[]) {
    this.bump(hashes)
    for (const h of hashes) {
      this.store.delete(h)
      if (h.startsWith('u:')) {
        const u = Number(h.slice(2))
        for (const [k, e] of this.store) if (e.holder === u) this.store.delete(k)
      }
    }
  }
}

/** Side-effect-free view of the cache internals. */
function internals(cache: VerifyCache) {
  const c = cache as any
  const entries = c.entries
  const condemnedBy: Map<number, { has(h: string): boolean }[]> = c.condemned.byUser
  /** The slot under `h` (the index holds `~slot` for an entry with a time to live), and whether its time is up. */
  const slotOf = (h: string): { slot: number; expired: boolean } | undefined => {
    const at: number | undefined = entries.index.get(h)
    if (at === undefined) return undefined
    return at >= 0 ? { slot: at, expired: false } : { slot: ~at, expired: entries.expires[~at] <= performance.now() }
  }
  const peek = (h: string) => {
    const at = slotOf(h)
    return at === undefined ? undefined : entries.values.get(at.slot)
  }
  /** Whether the entry under `h` is condemned: its holder's condemned sets hold `h`. */
  const condemned = (h: string) => {
    const e = peek(h)
    return e !== undefined && 'key' in e && (condemnedBy.get(e.holderUserId) ?? []).some((s) => s.has(h))
  }
  return { slotOf, byUser: c.byUser as Map<number, any>, peek, condemned, condemnedBy }
}

function check(cache: VerifyCache, m: Model, where: string, lenient: boolean, max: number) {
  const { peek, condemned, byUser, slotOf } = internals(cache)
  assert.ok(cache.size <= max, `${where}: size ${cache.size} > ${max}`)
  for (const n of ALL) {
    const h = hashOf(n)
    let want = m.live(h)
    const expired = slotOf(h)?.expired === true
    const e = peek(h)
    const visible = e !== undefined && !condemned(h) && !expired ? e : undefined
    if (lenient && visible === undefined && want !== undefined) {
      m.store.delete(h) // the CLOCK cache may have evicted it
      want = undefined
    }
    if (want === undefined)
      assert.equal(visible, undefined, `${where}: hash ${n} readable but model has none: ${JSON.stringify(visible)}`)
    else if (want.holder === null)
      assert.ok(
        visible && 'unknown' in visible,
        `${where}: hash ${n} should be known-unknown, got ${JSON.stringify(visible)}`,
      )
    else {
      assert.ok(
        visible && 'key' in visible,
        `${where}: hash ${n} should be key ${want.id}/${want.holder}, got ${JSON.stringify(visible)} (condemned ${condemned(h)})`,
      )
      assert.equal(visible.key.id, want.id, `${where}: hash ${n} id`)
      assert.equal(visible.holderUserId, want.holder, `${where}: hash ${n} holder`)
    }
    // every cached key lookup not condemned is indexed under its holder
    if (e && 'key' in e && !condemned(h))
      assert.ok(
        byUser.get(e.holderUserId)?.has(h),
        `${where}: hash ${n} (key ${e.key.id}) not indexed under ${e.holderUserId}`,
      )
  }
  for (const [u, set] of byUser) {
    assert.ok(set.size > 0, `${where}: empty set for ${u}`)
    for (const h of set.values()) {
      const e = peek(h)
      assert.ok(
        e && 'key' in e && e.holderUserId === u,
        `${where}: byUser[${u}] holds ${h} whose entry is ${JSON.stringify(e)}`,
      )
      assert.ok(!condemned(h), `${where}: ${h} both indexed and condemned`)
    }
  }
}

/** Operations a run, and runs a property. */
const OPS = 80
const RUNS = 1_000
/**
 * Run first in every property: found by the search only after about 200 runs, so a search of a
 * few hundred could miss them. A read right after the eviction; and a condemned entry deleted on
 * its own, then cached for another user, which a slice must not delete.
 */
const EXAMPLES: [Op[]][] = [
  [
    [
      { t: 'set', h: 9, holder: 0, id: 0, ver: 'none' },
      { t: 'evictUser', u: 0 },
      { t: 'get', h: 9 },
    ],
  ],
  [
    [
      { t: 'set', h: 4, holder: 2, id: 0, ver: 'now' },
      { t: 'evictBoth', h: 0, u: 2 },
      { t: 'slot', h: 4 },
    ],
  ],
  [
    [
      { t: 'set', h: 4, holder: 0, id: 1, ver: 'none' },
      { t: 'evictUser', u: 0 },
      { t: 'evictHash', h: 4 },
      { t: 'set', h: 4, holder: 1, id: 2, ver: 'none' },
      { t: 'drain' },
      { t: 'get', h: 4 },
    ],
  ],
]

async function run(ops: Op[], size: number, lenient = false) {
  fakeNow = 1_000
  const cache = new VerifyCache(size, 5)
  const m = new Model()
  // dispose exactly once: every disposed (key,value) pair must be live and is then dead
  const ent = (cache as any).entries
  const live = new Map<string, unknown>()
  const origSet = ent.set.bind(ent)
  const origDispose = ent.dispose
  ent.dispose = (v: unknown, k: string) => {
    assert.ok(live.get(k) === v, `dispose of ${k} with a value not live (twice, or never stored)`)
    live.delete(k)
    origDispose(v, k)
  }
  ent.set = (k: string, v: unknown, ttl?: number) => {
    origSet(k, v, ttl)
    live.set(k, v)
  }
  const origClear = ent.clear.bind(ent)
  ent.clear = () => {
    origClear()
    live.clear()
  }
  const chk = (where: string) => {
    check(cache, m, where, lenient, size)
    assert.equal(live.size, cache.size, `${where}: live ${live.size} != size ${cache.size}`)
  }
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!
    const where = `op ${i} ${JSON.stringify(op)}`
    switch (op.t) {
      case 'token':
        m.tokens.push(cache.version)
        assert.equal(cache.version, m.epoch)
        break
      case 'set': {
        const v =
          op.ver === 'none' ? undefined : op.ver === 'now' ? cache.version : m.tokens[m.tokens.length - 1 - op.ver]
        if (op.ver !== 'none' && op.ver !== 'now' && v === undefined) break
        m.live(hashOf(op.h))
        cache.set(hashOf(op.h), op.holder === null ? null : lookup(op.id, op.holder), v)
        m.set(hashOf(op.h), op.holder, op.id, v)
        break
      }
      case 'get': {
        const got = cache.get(hashOf(op.h))
        const want = m.live(hashOf(op.h))
        if (lenient && got === undefined) {
          m.store.delete(hashOf(op.h))
          break
        }
        if (want === undefined) assert.equal(got, undefined, where)
        else if (want.holder === null) assert.equal(got, null, where)
        else assert.equal(got?.key.id, want.id, where)
        break
      }
      case 'slot': {
        const s = cache.slotOf(hashOf(op.h))
        const want = m.live(hashOf(op.h))
        if (lenient && s < 0) {
          m.store.delete(hashOf(op.h))
          break
        }
        if (want === undefined) assert.equal(s, -1, where)
        else {
          assert.ok(s >= 0, where)
          const got = cache.lookupAt(s)
          if (want.holder === null) assert.equal(got, null, where)
          else assert.equal(got?.key.id, want.id, where)
        }
        break
      }
      case 'evictUser':
        cache.evict([credentialTag.user(op.u)])
        m.evict([`u:${op.u}`])
        break
      case 'evictHash':
        cache.evict([hashOf(op.h)])
        m.evict([hashOf(op.h)])
        break
      case 'evictBoth':
        cache.evict([hashOf(op.h), credentialTag.user(op.u)])
        m.evict([hashOf(op.h), `u:${op.u}`])
        break
      case 'turn':
        await turn()
        break
      case 'drain':
        for (let k = 0; k < 5; k++) await turn()
        break
      case 'clear':
        cache.clear()
        m.bump(null)
        m.store.clear()
        break
      case 'ttl':
        cache.setPositiveTtl(op.ms)
        m.ttl = op.ms
        break
      case 'fill':
        for (let k = op.from; k < Math.min(FILL, op.from + op.count); k++) {
          cache.set(hashOf(16 + k), lookup(5000 + k, op.u))
          m.set(hashOf(16 + k), op.u, 5000 + k, undefined)
        }
        break
      case 'advance':
        fakeNow += op.ms
        break
    }
    chk(where)
  }
  for (let k = 0; k < 5; k++) await turn()
  chk('end')
  if (!lenient) {
    for (let n = 0; n < H; n++) m.live(hashOf(n))
    // expired-but-unread entries still count in size; compare only non-expired count via reads below
  }
  for (let u = 0; u < U; u++) {
    cache.evict([credentialTag.user(u)])
    m.evict([`u:${u}`])
  }
  chk('after evicting all users')
  for (let k = 0; k < 5; k++) await turn()
  chk('after evicting all users and draining')
  for (const n of ALL) {
    const e = cache.get(hashOf(n))
    assert.ok(e === undefined || e === null, `key ${n} survived evicting every user`)
  }
  assert.equal(internals(cache).condemnedBy.size, 0, 'condemned sets left after draining')
}

describe('attack: condemned cache entries against a synchronous model', () => {
  it('unbounded cache: exact model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: OPS }), (ops) => run(ops, 1000)),
      { numRuns: RUNS, examples: EXAMPLES },
    )
  })
  it('unbounded cache, TTLs on a fake clock: exact model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ttlOpArb, { maxLength: OPS }), (ops) => run(ops, 1000)),
      { numRuns: RUNS, examples: EXAMPLES },
    )
  })
  for (const size of [1, 2, 3, 5]) {
    it(`size ${size}: lenient model`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(ttlOpArb, { maxLength: OPS }), (ops) => run(ops, size, true)),
        { numRuns: RUNS, examples: EXAMPLES },
      )
    })
  }
})
