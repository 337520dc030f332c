import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { type KeyRateLimiter, MemoryKeyRateLimiter } from '../../src/services/cluster/rate-limiter.js'
import { createPostgresKeyRateLimiter } from '../../src/services/cluster/rate-limiter-postgres.js'
import { createRedisKeyRateLimiter } from '../../src/services/cluster/rate-limiter-redis.js'
import { openStore } from '../../src/store/database.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { freshDatabase } from '../helpers.js'

interface Backend {
  name: string
  shared: boolean
  /** A limiter as one node would open it; shared backends see the same counters. */
  open(): Promise<KeyRateLimiter>
  setUp(): Promise<void>
  tearDown(): Promise<void>
}

function postgresBackend(): Backend {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  return {
    name: 'postgres',
    shared: true,
    async setUp() {
      db = await freshDatabase('postgres')
      const store = openStore(db.url)
      await migrateToLatest(store.db, store.dialect)
      await store.close()
    },
    open: async () => createPostgresKeyRateLimiter(db.url),
    tearDown: () => db.drop(),
  }
}

function redisBackend(): Backend {
  const prefix = `kwtest:${randomBytes(4).toString('hex')}:`
  return {
    name: 'redis',
    shared: true,
    setUp: async () => {},
    open: () => createRedisKeyRateLimiter(process.env.KEYWARD_TEST_REDIS_URL!, prefix),
    tearDown: async () => {},
  }
}

const backends: Backend[] = [
  {
    name: 'memory',
    shared: false,
    open: async () => new MemoryKeyRateLimiter(),
    setUp: async () => {},
    tearDown: async () => {},
  },
  ...(process.env.KEYWARD_TEST_DATABASE_URL ? [postgresBackend()] : []),
  ...(process.env.KEYWARD_TEST_REDIS_URL ? [redisBackend()] : []),
]
if (!process.env.KEYWARD_TEST_DATABASE_URL)
  console.log('rate limiter contract: PostgreSQL variant not run (KEYWARD_TEST_DATABASE_URL is not set)')
if (!process.env.KEYWARD_TEST_REDIS_URL)
  console.log('rate limiter contract: Redis variant not run (KEYWARD_TEST_REDIS_URL is not set)')

let nextKeyId = 1
const freshKeyId = () => nextKeyId++

/** A key's single `default` limit, as verification checks it. */
async function consume(l: KeyRateLimiter, keyId: number, limit: number, windowS: number) {
  const r = await l.consumeAll([
    { counter: `k${keyId}:default:${limit}/${windowS}`, group: `k${keyId}`, limit, windowS, cost: 1 },
  ])
  return { allowed: r.allowed, state: r.states[0]! }
}

/** Two limits of one key, tight `a` (cost 1) and loose `b` (cost 2), checked as one step. */
const pair = (keyId: number, a: number, b: number, costB = 2) => [
  { counter: `k${keyId}:a:${a}/60`, group: `k${keyId}`, limit: a, windowS: 60, cost: 1 },
  { counter: `k${keyId}:b:${b}/60`, group: `k${keyId}`, limit: b, windowS: 60, cost: costB },
]

for (const b of backends) {
  describe(`KeyRateLimiter contract (${b.name})`, () => {
    const opened: KeyRateLimiter[] = []
    const open = async () => {
      const l = await b.open()
      opened.push(l)
      return l
    }
    before(() => b.setUp())
    after(async () => {
      await Promise.all(opened.map((l) => l.close()))
      await b.tearDown()
    })

    it('counts a named subject (consumeFor) apart from keys, shared by every instance', async () => {
      const [a, c] = [await open(), await open()]
      const subject = `leak-report:${freshKeyId()}`
      assert.equal((await a.consumeFor(subject, 1, 60)).allowed, true)
      assert.equal(
        (await c.consumeFor(subject, 1, 60)).allowed,
        !b.shared,
        'memory: per instance; shared stores: one count',
      )
      const id = freshKeyId()
      assert.equal((await consume(a, id, 1, 60)).allowed, true, 'a key with the same digits is another counter')
    })

    it('lets exactly `limit` requests through in a window, counting down, then refuses with a reset time', async () => {
      const l = await open()
      const id = freshKeyId()
      const seen: number[] = []
      for (let i = 0; i < 5; i++) {
        const r = await consume(l, id, 5, 60)
        assert.equal(r.allowed, true)
        seen.push(r.state.remaining)
      }
      assert.deepEqual(seen, [4, 3, 2, 1, 0])
      const refused = await consume(l, id, 5, 60)
      assert.equal(refused.allowed, false)
      assert.equal(refused.state.remaining, 0)
      assert.equal(refused.state.limit, 5)
      const resetIn = Date.parse(refused.state.reset_at) - Date.now()
      assert.ok(resetIn > 0 && resetIn <= 60_000, `reset within the window, got ${resetIn} ms`)
    })

    it('counts each key on its own', async () => {
      const l = await open()
      const [x, y] = [freshKeyId(), freshKeyId()]
      assert.equal((await consume(l, x, 1, 60)).allowed, true)
      assert.equal((await consume(l, x, 1, 60)).allowed, false)
      assert.equal((await consume(l, y, 1, 60)).allowed, true)
    })

    it('starts a key afresh under a changed limit', async () => {
      const l = await open()
      const id = freshKeyId()
      assert.equal((await consume(l, id, 1, 60)).allowed, true)
      assert.equal((await consume(l, id, 1, 60)).allowed, false)
      assert.equal((await consume(l, id, 2, 60)).allowed, true)
    })

    it('never lets more than the limit through under concurrent requests', async () => {
      const l = await open()
      const id = freshKeyId()
      const results = await Promise.all(Array.from({ length: 40 }, () => consume(l, id, 15, 60)))
      assert.equal(results.filter((r) => r.allowed).length, 15)
    })

    it('takes nothing from any limit when one would be exceeded (no partial consumption)', async () => {
      const l = await open()
      const id = freshKeyId()
      const first = await l.consumeAll(pair(id, 1, 10))
      assert.equal(first.allowed, true)
      assert.deepEqual(
        first.states.map((s) => s.remaining),
        [0, 8],
      )
      const refused = await l.consumeAll(pair(id, 1, 10))
      assert.equal(refused.allowed, false)
      assert.deepEqual(
        refused.states.map((s) => s.remaining),
        [0, 8],
        '`b` was not charged for the refused request',
      )
      const bAlone = await l.consumeAll([pair(id, 1, 10)[1]!])
      assert.equal(bAlone.states[0]!.remaining, 6, 'only the allowed request and this one charged b')
    })

    it('charges a cost, refuses a cost that does not fit without taking it, and lets cost 0 peek', async () => {
      const l = await open()
      const id = freshKeyId()
      const c = (cost: number) => [{ counter: `k${id}:c:10/60`, group: `k${id}`, limit: 10, windowS: 60, cost }]
      assert.equal((await l.consumeAll(c(7))).states[0]!.remaining, 3)
      const tooMuch = await l.consumeAll(c(4))
      assert.equal(tooMuch.allowed, false)
      assert.equal(tooMuch.states[0]!.remaining, 3)
      const peek = await l.consumeAll(c(0))
      assert.equal(peek.allowed, true)
      assert.equal(peek.states[0]!.remaining, 3)
      assert.equal((await l.consumeAll(c(3))).allowed, true)
      assert.equal((await l.consumeAll(c(11))).allowed, false, 'a cost above the limit never fits')
    })

    it('never charges one limit for requests another refused, under concurrency', async () => {
      const l = await open()
      const id = freshKeyId()
      const results = await Promise.all(Array.from({ length: 30 }, () => l.consumeAll(pair(id, 10, 1000, 1))))
      assert.equal(results.filter((r) => r.allowed).length, 10)
      const b = await l.consumeAll([pair(id, 10, 1000, 0)[1]!])
      assert.equal(b.states[0]!.remaining, 990, 'b was charged exactly for the 10 allowed')
    })

    if (b.shared) {
      it('no partial consumption across 3 nodes: 3 x 20 concurrent requests on limits 25 and 1000', async () => {
        const nodes = await Promise.all([open(), open(), open()])
        const id = freshKeyId()
        const results = await Promise.all(
          nodes.flatMap((n) => Array.from({ length: 20 }, () => n.consumeAll(pair(id, 25, 1000, 1)))),
        )
        assert.equal(results.filter((r) => r.allowed).length, 25)
        const b = await nodes[0].consumeAll([pair(id, 25, 1000, 0)[1]!])
        assert.equal(b.states[0]!.remaining, 975, 'the loose limit was charged only for the 25 allowed')
      })

      it('holds the limit across 3 nodes: 3 x 20 concurrent requests on a limit of 25 pass 25', async () => {
        const nodes = await Promise.all([open(), open(), open()])
        const id = freshKeyId()
        const results = await Promise.all(
          nodes.flatMap((n) => Array.from({ length: 20 }, () => consume(n, id, 25, 60))),
        )
        assert.equal(results.filter((r) => r.allowed).length, 25)
      })
    }
  })
}
