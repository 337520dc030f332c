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
      assert.equal((await a.consume(id, 1, 60)).allowed, true, 'a key with the same digits is another counter')
    })

    it('lets exactly `limit` requests through in a window, counting down, then refuses with a reset time', async () => {
      const l = await open()
      const id = freshKeyId()
      const seen: number[] = []
      for (let i = 0; i < 5; i++) {
        const r = await l.consume(id, 5, 60)
        assert.equal(r.allowed, true)
        seen.push(r.state.remaining)
      }
      assert.deepEqual(seen, [4, 3, 2, 1, 0])
      const refused = await l.consume(id, 5, 60)
      assert.equal(refused.allowed, false)
      assert.equal(refused.state.remaining, 0)
      assert.equal(refused.state.limit, 5)
      const resetIn = Date.parse(refused.state.reset_at) - Date.now()
      assert.ok(resetIn > 0 && resetIn <= 60_000, `reset within the window, got ${resetIn} ms`)
    })

    it('counts each key on its own', async () => {
      const l = await open()
      const [x, y] = [freshKeyId(), freshKeyId()]
      assert.equal((await l.consume(x, 1, 60)).allowed, true)
      assert.equal((await l.consume(x, 1, 60)).allowed, false)
      assert.equal((await l.consume(y, 1, 60)).allowed, true)
    })

    it('starts a key afresh under a changed limit', async () => {
      const l = await open()
      const id = freshKeyId()
      assert.equal((await l.consume(id, 1, 60)).allowed, true)
      assert.equal((await l.consume(id, 1, 60)).allowed, false)
      assert.equal((await l.consume(id, 2, 60)).allowed, true)
    })

    it('never lets more than the limit through under concurrent requests', async () => {
      const l = await open()
      const id = freshKeyId()
      const results = await Promise.all(Array.from({ length: 40 }, () => l.consume(id, 15, 60)))
      assert.equal(results.filter((r) => r.allowed).length, 15)
    })

    if (b.shared) {
      it('holds the limit across 3 nodes: 3 x 20 concurrent requests on a limit of 25 pass 25', async () => {
        const nodes = await Promise.all([open(), open(), open()])
        const id = freshKeyId()
        const results = await Promise.all(nodes.flatMap((n) => Array.from({ length: 20 }, () => n.consume(id, 25, 60))))
        assert.equal(results.filter((r) => r.allowed).length, 25)
      })
    }
  })
}
