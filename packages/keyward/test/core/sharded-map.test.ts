import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ShardedMap, SplittingSet } from '../../src/core/sharded-map.js'

type Op<K> = { set: [K, number] } | { delete: K }

/** Runs `ops` on a ShardedMap and on a Map: every answer and the contents must agree. */
function agrees<K extends number | string>(ops: Op<K>[]): void {
  const sharded = new ShardedMap<K, number>()
  const plain = new Map<K, number>()
  for (const op of ops) {
    if ('set' in op) {
      sharded.set(...op.set)
      plain.set(...op.set)
    } else assert.equal(sharded.delete(op.delete), plain.delete(op.delete))
    assert.equal(sharded.size, plain.size)
  }
  for (const [k, v] of plain) assert.equal(sharded.get(k), v)
  assert.deepEqual(new Map(sharded.entries()), plain)
  assert.deepEqual(new Set(sharded.keys()), new Set(plain.keys()))
  sharded.clear()
  assert.equal(sharded.size, 0)
  assert.equal([...sharded.keys()].length, 0)
}

const ops = <K>(key: fc.Arbitrary<K>): fc.Arbitrary<Op<K>[]> =>
  fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.tuple(key, fc.integer()).map((set) => ({ set })) },
      { weight: 1, arbitrary: key.map((k) => ({ delete: k })) },
    ),
    { maxLength: 2_000 },
  )

describe('sharded map', () => {
  it('answers as a Map does: integer keys (key ids, up to 2^53)', () => {
    const id = fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.maxSafeNat())
    fc.assert(fc.property(ops(id), agrees), { numRuns: 100 })
  })

  it('answers as a Map does: string keys (digests, tags, and strings shorter than three characters)', () => {
    const str = fc.oneof(fc.string({ maxLength: 2 }), fc.stringMatching(/^[0-9a-f]{3,8}$/), fc.string())
    fc.assert(fc.property(ops(str), agrees), { numRuns: 100 })
  })

  it('a splitting set answers as a Set does, before and after it moves into shards', () => {
    const set = new SplittingSet()
    const plain = new Set<string>()
    for (let n = 0; n < 12_000; n++) {
      const v = (n * 7919).toString(16)
      set.add(v)
      plain.add(v)
      if (n % 3 === 0) assert.equal(set.delete((n * 5).toString(16)), plain.delete((n * 5).toString(16)))
      const probe = ((n * 13) % 20_000).toString(16)
      assert.equal(set.has(probe), plain.has(probe), `has(${probe}) at ${n}`)
      if (n % 1_000 === 0 || n === 4_097) {
        assert.equal(set.size, plain.size)
        assert.deepEqual(new Set(set.values()), plain)
      }
    }
    assert.ok(plain.size > 4_096, 'the set grew past its split')
    assert.deepEqual(new Set(set.values()), plain)
  })
})
