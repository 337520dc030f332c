import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import slotOf from 'cluster-key-slot'
import { Redis } from 'ioredis'
import { TestServer } from '../helpers.js'
import { backendEnv } from './cluster.js'

const REDIS = process.env.KEYWARD_TEST_REDIS_URL
const SKIP = REDIS ? false : 'KEYWARD_TEST_REDIS_URL is not set: the Redis Cluster slot test needs a real Redis'

/**
 * A Lua script on Redis Cluster may only touch keys of one hash slot. Each verification below
 * charges the counters of its key and of the key's identity in one script call; the test reads
 * the counters Redis holds under a prefix of this run only, and computes their slots with
 * cluster-key-slot (the CRC16 Redis Cluster uses).
 */
describe('named-limit counters of one verification share one Redis Cluster slot', { skip: SKIP }, () => {
  const prefix = `kwtest:${randomBytes(4).toString('hex')}:`
  let s: TestServer
  let admin: string
  let redis: Redis
  before(async () => {
    s = await TestServer.start('sqlite', { env: backendEnv('redis', prefix) })
    admin = await s.adminToken()
    redis = new Redis(REDIS!)
  })
  after(async () => {
    const left = await counters()
    if (left.length > 0) await redis.del(...left)
    redis?.disconnect()
    await s?.close()
  })

  const limits = (...names: string[]) => names.map((name) => ({ name, limit: 100, window_s: 60, auto_apply: true }))
  async function counters(): Promise<string[]> {
    const found: string[] = []
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}kwl:*`, 'COUNT', 1000)
      found.push(...keys)
      cursor = next
    } while (cursor !== '0')
    return found.sort()
  }
  async function verify(key: string, ratelimits?: { name: string }[]) {
    const r = await s.request('POST', '/v1/keys/verify', { token: admin, body: { key, ratelimits } })
    assert.equal(r.body.code, 'VALID', r.text)
    return r.body
  }
  const slots = (keys: string[]) => new Set(keys.map((k) => slotOf(k)))

  it("a key's limits and its identity's hash to one slot, the same for every key of the identity", async () => {
    const ident = await s.request('POST', '/v1/identities', {
      token: admin,
      body: { external_id: `slots-${prefix}`, ratelimits: limits('requests', 'tokens') },
    })
    assert.equal(ident.status, 201, ident.text)
    const k1 = await s.createKey(admin, { identity_id: ident.body.id, ratelimits: limits('default', 'burst') })
    const body = await verify(k1.key)
    assert.equal(body.ratelimits.length, 4, 'two limits of the key and two of its identity were checked')
    const first = await counters()
    assert.equal(first.length, 4, `one counter per checked limit: ${first.join(', ')}`)
    assert.equal(slots(first).size, 1, `one script call, one slot: ${first.join(', ')}`)
    assert.notEqual(slotOf.generateMulti(first), -1)
    // Without the hash tag these keys would spread over slots: the assertion above can fail.
    assert.ok(slots(first.map((k) => k.replace(/\{[^}]*\}/, ''))).size > 1, 'untagged, the counters spread')

    const k2 = await s.createKey(admin, {
      identity_id: ident.body.id,
      ratelimits: [{ name: 'search', limit: 5, window_s: 10 }],
    })
    await verify(k2.key, [{ name: 'search' }])
    const both = await counters()
    assert.equal(both.length, 5, "the second key added its own counter (search) and reused its identity's two")
    assert.deepEqual(slots(both), slots(first), "a second key of the identity reaches the identity's slot")
  })

  it('a key without an identity keeps all its counters in its own slot', async () => {
    const before = new Set(await counters())
    const k = await s.createKey(admin, { ratelimits: limits('default', 'a', 'b') })
    await verify(k.key)
    const mine = (await counters()).filter((c) => !before.has(c))
    assert.equal(mine.length, 3)
    assert.equal(slots(mine).size, 1, mine.join(', '))
  })
})
