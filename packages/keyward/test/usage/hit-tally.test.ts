import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { HitTally } from '../../src/services/keys/hit-tally.js'
import { STORES, TestServer } from '../helpers.js'
import { usageRows } from './fillers.js'

describe('the hit tally by cache slot', () => {
  const drained = () => {
    const got: [number, number, number][] = []
    return { got, sink: (keyId: number, lastUsedMs: number, n: number) => void got.push([keyId, lastUsedMs, n]) }
  }

  it('hands each slot’s count and last use to the sink once, then starts afresh', () => {
    const t = new HitTally(5001)
    const { got, sink } = drained()
    t.hit(0, 7, 100, sink)
    t.hit(0, 7, 200, sink)
    t.hit(5000, 9, 150, sink) // the last slot of a tally sized for 5,001
    assert.deepEqual(got, [], 'nothing leaves before a drain')
    assert.equal(t.size, 2)
    t.drain(sink)
    assert.deepEqual(got, [
      [7, 200, 2],
      [9, 150, 1],
    ])
    t.drain(sink)
    assert.equal(got.length, 2, 'a second drain hands nothing again')
    assert.equal(t.size, 0)
  })

  it('keeps the latest use when the clock steps back, and starts afresh for a new interval or key', () => {
    const t = new HitTally(3000)
    const { got, sink } = drained()
    t.hit(4, 7, 500, sink)
    t.hit(4, 7, 300, sink) // the wall clock stepped back (NTP): last use stays the later answer
    t.drain(sink)
    t.hit(4, 7, 250, sink) // a new interval: its own last use, even if earlier than the last one handed over
    t.hit(4, 8, 200, sink) // another key in the slot: the old key's tally first, then the new key's own time
    t.drain(sink)
    assert.deepEqual(got, [
      [7, 500, 2],
      [7, 250, 1],
      [8, 200, 1],
    ])
  })

  it('drains the old key’s tally first when the cache gives its slot to another key', () => {
    const t = new HitTally(3000)
    const { got, sink } = drained()
    t.hit(3, 1, 10, sink)
    t.hit(3, 1, 11, sink)
    t.hit(3, 2, 12, sink) // slot 3 now holds key 2
    assert.deepEqual(got, [[1, 11, 2]])
    t.hit(3, 1, 13, sink) // and key 1 again
    t.drain(sink)
    assert.deepEqual(got, [
      [1, 11, 2],
      [2, 12, 1],
      [1, 13, 1],
    ])
  })

  it('refuses a slot past its size instead of dropping the count (a typed array ignores such writes)', () => {
    const t = new HitTally(4)
    const { got, sink } = drained()
    t.hit(3, 1, 10, sink)
    assert.throws(() => t.hit(4, 2, 11, sink), RangeError)
    t.drain(sink)
    assert.deepEqual(got, [[1, 10, 1]])
  })

  it('drains in slices, handing hits that arrive between slices exactly once', async () => {
    const t = new HitTally(3000)
    const { got, sink } = drained()
    for (let slot = 0; slot < 3000; slot++) t.hit(slot, slot + 1, 1, sink)
    let pauses = 0
    // A zero budget ends each slice after 256 slots; between slices, the last slot (not yet
    // drained) and the first (already drained) are hit again.
    await t.drainInSlices(sink, 0, async () => {
      pauses++
      t.hit(2999, 3000, 2, sink)
      t.hit(0, 1, 3, sink)
    })
    assert.ok(pauses >= 10, `${pauses} pauses`)
    assert.equal(t.size, 1, 'the first slot, hit after its turn, waits for the next drain')
    t.drain(sink)
    const total = (keyId: number) => got.filter(([k]) => k === keyId).reduce((n, [, , c]) => n + c, 0)
    assert.equal(total(3000), 1 + pauses)
    assert.equal(total(1), 1 + pauses)
    assert.equal(
      got.reduce((n, [, , c]) => n + c, 0),
      3000 + 2 * pauses,
      'every hit once',
    )
  })

  it('a drain at once finishes a sliced drain under way (a change of day needs every tally)', async () => {
    const t = new HitTally(3000)
    const { got, sink } = drained()
    for (let slot = 0; slot < 1000; slot++) t.hit(slot, slot + 1, 1, sink)
    const sliced = t.drainInSlices(sink, 0, async () => t.drain(sink))
    await sliced
    assert.equal(got.length, 1000)
    assert.equal(t.size, 0)
  })
})

for (const store of STORES) {
  describe(`usage counted exactly while a tiny cache keeps reusing its slots (${store})`, () => {
    const clock = manualClock(new Date('2026-05-01T23:58:00.000Z'))
    let s: TestServer
    let admin: string
    before(async () => {
      // Five entries for four keys and the caller's session, user and memberships: slots change hands.
      s = await TestServer.start(store, { clock, env: { KEYWARD_USAGE_FLUSH_MS: '60000', KEYWARD_CACHE_SIZE: '5' } })
      admin = await s.adminToken()
    })
    after(() => s.close())

    const rows = async (keyId: number) => (await usageRows(s, keyId)).map((r) => `${r.day} ${r.code} ${r.count}`)

    it('counts every answer once, on its day, and keeps the last use', async () => {
      const keys = [
        await s.createKey(admin),
        await s.createKey(admin),
        await s.createKey(admin),
        await s.createKey(admin),
      ]
      const [a, b, c, d] = keys.map((k) => k.key) as [string, string, string, string]
      const plan: [string, number][] = [
        [a, 5],
        [b, 3],
        [a, 2],
        [c, 4],
        [d, 1],
        [a, 1],
        [b, 2],
      ]
      for (const [key, n] of plan) for (let i = 0; i < n; i++) assert.equal((await s.verify(admin, key)).code, 'VALID')
      const lastOfDay1 = clock.now().toISOString()
      clock.set(new Date('2026-05-02T00:00:30.000Z')) // past midnight UTC, with tallies pending
      for (let i = 0; i < 2; i++) assert.equal((await s.verify(admin, a)).code, 'VALID')
      assert.equal((await s.verify(admin, b)).code, 'VALID')
      await s.kw.services.usage.flush()

      assert.deepEqual(await rows(keys[0]!.id), ['2026-05-01 VALID 8', '2026-05-02 VALID 2'])
      assert.deepEqual(await rows(keys[1]!.id), ['2026-05-01 VALID 5', '2026-05-02 VALID 1'])
      assert.deepEqual(await rows(keys[2]!.id), ['2026-05-01 VALID 4'])
      assert.deepEqual(await rows(keys[3]!.id), ['2026-05-01 VALID 1'])
      const lastUsed = async (id: number) =>
        (await s.request('GET', `/v1/keys/${id}`, { token: admin })).body.last_used_at as string | null
      assert.equal(await lastUsed(keys[0]!.id), '2026-05-02T00:00:30.000Z')
      assert.equal(await lastUsed(keys[2]!.id), lastOfDay1)

      // A second flush writes nothing twice.
      await s.kw.services.usage.flush()
      assert.deepEqual(await rows(keys[0]!.id), ['2026-05-01 VALID 8', '2026-05-02 VALID 2'])
    })
  })
}
