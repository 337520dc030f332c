import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { UsageBatch, countBatch } from '../../src/store/usage-batch.js'

const WIDTH = 3

/** One step against a batch: add to a key's slot, or take a key out as written. */
type Step = { add: [id: number, slot: number, n: number] } | { written: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 600 }), fc.nat(WIDTH - 1), fc.nat(9)).map((add) => ({ add })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 600 }).map((written) => ({ written })) },
)

/** The same steps on a Map of arrays, what the recorder kept before (and what the batch must equal). */
function model(steps: Step[]): Map<number, number[]> {
  const m = new Map<number, number[]>()
  const gone = new Set<number>()
  for (const s of steps) {
    if ('written' in s) {
      m.delete(s.written)
      gone.add(s.written)
    } else if (!gone.has(s.add[0])) {
      const slots = m.get(s.add[0]) ?? Array<number>(WIDTH).fill(0)
      slots[s.add[1]]! += s.add[2]
      m.set(s.add[0], slots)
    }
  }
  return m
}

/** Runs `steps` on a batch; a key once written is not added to again (the batch's contract). */
function run(steps: Step[]): UsageBatch<Uint32Array> {
  const b = countBatch(WIDTH)
  const gone = new Set<number>()
  for (const s of steps) {
    if ('written' in s) {
      b.delete(s.written)
      gone.add(s.written)
    } else if (!gone.has(s.add[0])) b.add(...s.add)
  }
  return b
}

describe('usage batch (flat arrays by key id)', () => {
  it('holds what a Map of counter arrays would, through growth and deletions, and packs it', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 300, maxLength: 1_500, size: 'max' }), (steps) => {
        const want = model(steps)
        const b = run(steps)
        assert.equal(b.size, want.size)
        assert.deepEqual(
          [...b.sortedIds()],
          [...want.keys()].sort((x, y) => x - y),
        )
        for (const [id, slots] of want) {
          const at = b.find(id) ?? assert.fail(`key ${id} is missing`)
          assert.deepEqual([...b.values.subarray(at, at + WIDTH)], slots)
        }
        const ids = new Float64Array(b.size)
        const values = new Uint32Array(b.size * WIDTH)
        b.packInto(ids, values)
        const packed = new Map([...ids].map((id, i) => [id, [...values.subarray(i * WIDTH, i * WIDTH + WIDTH)]]))
        assert.deepEqual(packed, want)
      }),
      { numRuns: 100, endOnFailure: true },
    )
  })

  it('a new key starts at zero, keeps its place while the batch grows, and is gone once written', () => {
    const b = countBatch(WIDTH)
    b.add(7, 2, 0)
    const first = b.find(7)!
    assert.deepEqual([...b.values.subarray(first, first + WIDTH)], [0, 0, 0])
    b.add(7, 2, 5)
    // Each new key may move every row to larger arrays (growth): the numbers go with them.
    for (let id = 100; id < 5_000; id++) b.add(id, 0, 1)
    assert.equal(b.find(7), first)
    assert.equal(b.values[first + 2], 5)
    b.raise(7, 2, 3)
    assert.equal(b.values[first + 2], 5)
    b.raise(7, 2, 8)
    b.raise(7, 1, 4)
    assert.deepEqual([...b.values.subarray(first, first + WIDTH)], [0, 4, 8])
    b.delete(7)
    assert.equal(b.find(7), undefined)
    assert.equal(b.size, 4_900)
    b.clear()
    assert.equal(b.size, 0)
    assert.equal(b.sortedIds().length, 0)
  })
})
