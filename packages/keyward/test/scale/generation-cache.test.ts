import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GenerationCache } from '../../src/services/keys/generation-cache.js'

/** A cache of `max` whose disposals are recorded, plus the live set its dispose keeps (as VerifyCache's index does). */
function recorded(max: number) {
  const disposed: string[] = []
  const indexed = new Set<string>()
  const cache = new GenerationCache<string, string>(max, (v, k) => {
    disposed.push(`${k}=${v}`)
    indexed.delete(k)
  })
  const put = (k: string, v = k, ttl?: number) => (cache.set(k, v, ttl), indexed.add(k))
  return { cache, disposed, indexed, put }
}

describe('GenerationCache (the verify cache store)', () => {
  it('holds at most max entries and keeps what is read over what is not', () => {
    const { cache, put } = recorded(100)
    for (let i = 0; i < 40; i++) put(`k${i}`)
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 10; i++) assert.equal(cache.get(`k${i}`), `k${i}`, `hot k${i} survives round ${round}`)
      for (let i = 0; i < 30; i++) put(`r${round}-${i}`)
      assert.ok(cache.size <= 100, `size ${cache.size}`)
    }
    assert.equal(cache.get('k20'), undefined, 'a cold entry is dropped')
    assert.ok(cache.size >= 50, `once full, at least half the capacity stays (${cache.size})`)
  })

  it('disposes every entry that leaves exactly once: deleted, replaced, expired or dropped', async () => {
    const { cache, disposed, put } = recorded(4)
    put('a', 'a1')
    put('a', 'a2')
    assert.deepEqual(disposed, ['a=a1'], 'replaced')
    assert.equal(cache.delete('a'), true)
    assert.equal(cache.delete('a'), false)
    assert.deepEqual(disposed, ['a=a1', 'a=a2'], 'deleted once')
    put('t', 't', 5)
    assert.equal(cache.get('t'), 't')
    await new Promise((r) => setTimeout(r, 15))
    assert.equal(cache.get('t'), undefined)
    assert.equal(disposed.at(-1), 't=t', 'expired on read')
    disposed.length = 0
    for (const k of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) put(k)
    const left = new Set(disposed)
    assert.equal(left.size, disposed.length, 'no double disposal')
    for (const d of disposed) assert.equal(cache.get(d.split('=')[0]!), undefined, `${d} left and is gone`)
  })

  it('never disposes an entry cached again after its generation was dropped (the index stays true)', () => {
    const { cache, indexed, put } = recorded(20)
    for (let i = 0; i < 20; i++) put(`k${i}`) // k0…k9 fill a generation, k10…k19 the next: k0…k9 are dropped
    put('k9') // the last of the dropped ones, cached again before its disposal came up
    assert.equal(cache.get('k9'), 'k9')
    for (let i = 0; i < 5; i++) put(`m${i}`) // disposes the rest of the dropped generation, k9's old copy last
    assert.ok(indexed.has('k9'), 'the disposal of the dropped k9 did not unindex the live one')
    for (let i = 0; i < 50; i++) {
      put(`n${i}`)
      for (const k of ['k9', 'k0', 'k15', `m${i % 5}`, `n${i}`, `n${i - 1}`])
        if (cache.get(k) !== undefined) assert.ok(indexed.has(k), `${k} is cached, so indexed (step ${i})`)
      assert.ok(indexed.size <= cache.size + 2, `the index holds at most a dropped generation more (${indexed.size})`)
    }
  })

  it('clear forgets everything without disposing', () => {
    const { cache, disposed, put } = recorded(10)
    for (let i = 0; i < 8; i++) put(`k${i}`)
    cache.clear()
    assert.equal(cache.size, 0)
    assert.equal(cache.get('k1'), undefined)
    assert.deepEqual(disposed, [])
  })
})
