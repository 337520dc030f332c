/**
 * Round-trip cost of the limiter paths, interleaved A/B/C in rounds so a loaded box skews all
 * alike: A the previous single-limit path (rate-limiter-flexible `consumeFor`), B `consumeAll`
 * with one limit (the migrated `default`), C `consumeAll` with two named limits (no partial
 * consumption). `node --conditions=keyward-source --import tsx test/perf/limit-ops.ts` with
 * KEYWARD_TEST_DATABASE_URL / KEYWARD_TEST_REDIS_URL. A figure, not a test.
 */
import { randomBytes } from 'node:crypto'
import type { KeyRateLimiter } from '../../src/services/cluster/rate-limiter.js'
import { createPostgresKeyRateLimiter } from '../../src/services/cluster/rate-limiter-postgres.js'
import { createRedisKeyRateLimiter } from '../../src/services/cluster/rate-limiter-redis.js'
import { openStore } from '../../src/store/database.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { freshDatabase } from '../helpers.js'

const ROUNDS = 10
const PER_ROUND = 100
const big = 1e9

async function time(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const t = performance.now()
  for (let i = 0; i < n; i++) await op(i)
  return (performance.now() - t) / n
}

async function measure(name: string, l: KeyRateLimiter): Promise<void> {
  const tag = randomBytes(3).toString('hex')
  const ms = { A: [] as number[], B: [] as number[], C: [] as number[] }
  for (let r = 0; r < ROUNDS; r++) {
    ms.A.push(await time(PER_ROUND, (i) => l.consumeFor(`${tag}a${i % 50}`, big, 60)))
    ms.B.push(
      await time(PER_ROUND, (i) =>
        l.consumeAll([{ counter: `${tag}b${i % 50}`, group: `${tag}${i % 50}`, limit: big, windowS: 60, cost: 1 }]),
      ),
    )
    ms.C.push(
      await time(PER_ROUND, (i) =>
        l.consumeAll([
          { counter: `${tag}c${i % 50}`, group: `${tag}${i % 50}`, limit: big, windowS: 60, cost: 1 },
          { counter: `${tag}d${i % 50}`, group: `${tag}${i % 50}`, limit: big, windowS: 60, cost: 5 },
        ]),
      ),
    )
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(3)
  console.log(
    `${name}: median ms per call over ${ROUNDS} rounds of ${PER_ROUND}: ` +
      `A consumeFor ${median(ms.A)}, B consumeAll(1) ${median(ms.B)}, C consumeAll(2) ${median(ms.C)}`,
  )
}

const db = await freshDatabase('postgres')
const store = openStore(db.url)
await migrateToLatest(store.db, store.dialect)
await store.close()
const pg = createPostgresKeyRateLimiter(db.url)
await measure('postgres', pg)
await pg.close()
await db.drop()
const redis = await createRedisKeyRateLimiter(
  process.env.KEYWARD_TEST_REDIS_URL!,
  `kwperf:${randomBytes(3).toString('hex')}:`,
)
await measure('redis', redis)
await redis.close()
