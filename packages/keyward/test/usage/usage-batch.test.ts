import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { UsageBatch, countBatch } from '../../src/store/usage-batch.js'
import { assertLongestCall, longestCall } from '../longest-call.js'

const WIDTH = 3

/** One step against a batch: add to a key's slot, or take a key out as written. */
type Step = { add: [id: number, slot: number, n: number] } | { written: number }

/** Steps over key ids 1 to `ids`: written keys are one step in five. */
const stepOver = (ids: number): fc.Arbitrary<Step> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: ids }), fc.nat(WIDTH - 1), fc.nat(9)).map((add) => ({ add })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: ids }).map((written) => ({ written })) },
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

/** A key's `WIDTH` numbers, read one by one (`get`). */
const row = (b: UsageBatch, id: number) => Array.from({ length: WIDTH }, (_, i) => b.get(id, i))

describe('usage batch (flat arrays by key id)', () => {
  /** The batch after `steps` equals the model: its size, ids, every key's numbers, and packed. */
  const agreesWithModel = (steps: Step[]) => {
    const want = model(steps)
    const b = run(steps)
    assert.equal(b.size, want.size)
    assert.deepEqual(
      [...b.sortedIds()],
      [...want.keys()].sort((x, y) => x - y),
    )
    for (const [id, slots] of want) assert.deepEqual(row(b, id), slots, `key ${id}`)
    const ids = new Float64Array(b.size)
    const values = new Uint32Array(b.size * WIDTH)
    b.packInto(ids, values)
    const packed = new Map([...ids].map((id, i) => [id, [...values.subarray(i * WIDTH, i * WIDTH + WIDTH)]]))
    assert.deepEqual(packed, want)
  }

  it('holds what a Map of counter arrays would, through growth and deletions, and packs it', () => {
    const steps = fc.array(stepOver(600), { minLength: 300, maxLength: 1_500, size: 'max' })
    fc.assert(fc.property(steps, agreesWithModel), { numRuns: 100, endOnFailure: true })
  })

  it('the same over several pages of rows (4,096 a page), with and without deletions', () => {
    const many = fc.array(stepOver(12_000), { minLength: 9_000, maxLength: 20_000, size: 'max' })
    const addsOnly = many.map((steps) => steps.filter((s) => 'add' in s))
    fc.assert(fc.property(fc.oneof(many, addsOnly), agreesWithModel), { numRuns: 12, endOnFailure: true })
  })

  it('a new key starts at zero, keeps its numbers while the batch grows, and is gone once written', () => {
    const b = countBatch(WIDTH)
    b.add(7, 2, 0)
    assert.deepEqual(row(b, 7), [0, 0, 0])
    b.add(7, 2, 5)
    // Each new key may add a page or move the first one to a larger array (growth): the numbers go with them.
    for (let id = 100; id < 10_000; id++) b.add(id, 0, 1)
    assert.deepEqual(row(b, 7), [0, 0, 5])
    assert.deepEqual(row(b, 9_999), [1, 0, 0])
    b.raise(7, 2, 3)
    assert.equal(b.get(7, 2), 5)
    b.raise(7, 2, 8)
    b.raise(7, 1, 4)
    assert.deepEqual(row(b, 7), [0, 4, 8])
    b.delete(7)
    assert.equal(b.get(7, 0), undefined)
    assert.equal(b.size, 9_900)
    b.clear()
    assert.equal(b.size, 0)
    assert.equal(b.sortedIds().length, 0)
  })

  it('no add holds the loop for long while the batch grows past 200,000 keys (a plain Map rehashed them at once)', async () => {
    // With a plain Map the longest add read 22–29 ms here, at 131,072 keys; with one array of rows
    // doubled, 5 ms at 65,536 and 10 ms at 131,072.
    const trial = () => {
      const b = countBatch(WIDTH)
      return longestCall(1 << 18, (i) => b.add(i + 1, 0, 1))
    }
    await assertLongestCall('add', 5, trial)
  })
})
