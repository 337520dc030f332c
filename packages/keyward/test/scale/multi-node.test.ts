import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import pg from 'pg'
import type { HeardBus } from '../../src/services/cluster/heard-bus.js'
import type { InvalidationBus } from '../../src/services/cluster/invalidation-bus.js'
import type { PostgresInvalidationBus } from '../../src/services/cluster/invalidation-bus-postgres.js'
import type { RedisInvalidationBus } from '../../src/services/cluster/invalidation-bus-redis.js'
import { BACKENDS, Cluster, SKIP_NO_POSTGRES, within } from './cluster.js'

for (const backend of BACKENDS) {
  describe(`several nodes on one PostgreSQL (${backend} bus and rate limiter)`, { skip: SKIP_NO_POSTGRES }, () => {
    let c: Cluster
    let admin: string
    before(async () => {
      c = await Cluster.start(3, backend)
      admin = await c.nodes[0]!.adminToken()
    })
    after(() => c?.close())

    const writes: [string, (a: Cluster, id: number) => Promise<unknown>, string][] = [
      ['revoke', (x, id) => x.nodes[0]!.request('POST', `/v1/keys/${id}/revoke`, { token: admin }), 'REVOKED'],
      ['disable', (x, id) => x.nodes[0]!.request('POST', `/v1/keys/${id}/disable`, { token: admin }), 'DISABLED'],
      [
        'expire',
        (x, id) =>
          x.nodes[0]!.request('PATCH', `/v1/keys/${id}`, {
            token: admin,
            body: { expires_at: '2000-01-01T00:00:00Z' },
          }),
        'EXPIRED',
      ],
      ['delete', (x, id) => x.nodes[0]!.request('DELETE', `/v1/keys/${id}`, { token: admin }), 'NOT_FOUND'],
    ]
    for (const [what, write, code] of writes) {
      it(`${what} on node A: refused (${code}) on nodes B and C within 1 s, although they had the key cached`, async () => {
        const [a, b, cc] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0], (typeof c.nodes)[0]]
        const { key, id } = await a.createKey(admin)
        for (const n of [b, cc]) assert.equal((await n.verify(admin, key)).code, 'VALID')
        assert.ok(b.kw.services.cache.size > 0, 'B holds cached entries')
        await write(c, id)
        for (const n of [b, cc]) {
          const ms = await within(1000, async () => (await n.verify(admin, key)).code === code)
          assert.ok(ms < 1000)
        }
      })
    }

    it('a shared rate limit holds across 3 nodes: 30 concurrent verifications of a 10-per-minute key pass 10', async () => {
      const { key } = await c.nodes[0]!.createKey(admin, { rate_limit: { limit: 10, window_s: 60 } })
      const results = await Promise.all(c.nodes.flatMap((n) => Array.from({ length: 10 }, () => n.verify(admin, key))))
      const codes = results.map((r) => r.code)
      assert.equal(codes.filter((x) => x === 'VALID').length, 10)
      assert.equal(codes.filter((x) => x === 'RATE_LIMITED').length, 20)
      assert.ok(results.every((r) => r.ratelimit.remaining >= 0))
    })

    it('remaining never goes below zero under 3 nodes x 50 concurrent verifications', async () => {
      const { key, id } = await c.nodes[0]!.createKey(admin, { remaining: 60 })
      const results = await Promise.all(c.nodes.flatMap((n) => Array.from({ length: 50 }, () => n.verify(admin, key))))
      const valid = results.filter((r) => r.code === 'VALID')
      assert.equal(valid.length, 60)
      assert.equal(results.filter((r) => r.code === 'USAGE_EXCEEDED').length, 90)
      // Each use got its own count: 59 down to 0, none twice, none negative.
      assert.deepEqual(
        valid.map((r) => r.remaining).sort((x, y) => x - y),
        Array.from({ length: 60 }, (_, i) => i),
      )
      assert.ok(results.every((r) => r.remaining === undefined || r.remaining >= 0))
      const stored = await c.nodes[1]!.request('GET', `/v1/keys/${id}`, { token: admin })
      assert.equal(stored.body.remaining, 0)
    })
  })
}

/** Cuts a node's bus connection from the server side, the way a network failure or a restart would. */
const cutters: Record<'postgres' | 'redis', (c: Cluster, bus: InvalidationBus) => Promise<void>> = {
  async postgres(c, bus) {
    const pid = ((bus as HeardBus).inner as PostgresInvalidationBus).backendPid
    assert.ok(pid, 'the node listens on a connection of its own')
    const admin = new pg.Client({ connectionString: c.url })
    await admin.connect()
    try {
      await admin.query('select pg_terminate_backend($1)', [pid])
    } finally {
      await admin.end()
    }
  },
  async redis(_c, bus) {
    const r = new Redis(process.env.KEYWARD_TEST_REDIS_URL!)
    try {
      const list = (await r.client('LIST')) as string
      const line = list
        .split('\n')
        .find((l) => l.includes(` name=${((bus as HeardBus).inner as RedisInvalidationBus).subscriberName} `))
      const id = line && /\bid=(\d+)/.exec(line)?.[1]
      assert.ok(id, 'the node subscribes on a connection of its own')
      await r.client('KILL', 'ID', id)
    } finally {
      r.disconnect()
    }
  },
}

for (const backend of BACKENDS) {
  describe(`a node that loses its ${backend} bus connection`, { skip: SKIP_NO_POSTGRES }, () => {
    let c: Cluster
    let admin: string
    before(async () => {
      c = await Cluster.start(2, backend)
      admin = await c.nodes[0]!.adminToken()
    })
    after(() => c?.close())

    it('clears its cache, reconnects, and does not serve a key revoked meanwhile from cache', async () => {
      const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]]
      const bus = b.kw.services.bus
      const revokedMeanwhile = await a.createKey(admin)
      assert.equal((await b.verify(admin, revokedMeanwhile.key)).code, 'VALID')

      await cutters[backend](c, bus)
      await within(2000, () => !bus.connected)
      // B heard nothing of this revocation: it was published while B was not listening.
      await a.request('POST', `/v1/keys/${revokedMeanwhile.id}/revoke`, { token: admin })
      await within(5000, () => bus.connected)
      assert.equal((await b.verify(admin, revokedMeanwhile.key)).code, 'REVOKED')

      // And the bus works again: a key B caches now is refused on B soon after A revokes it.
      const later = await a.createKey(admin)
      assert.equal((await b.verify(admin, later.key)).code, 'VALID')
      await a.request('POST', `/v1/keys/${later.id}/revoke`, { token: admin })
      await within(1000, async () => (await b.verify(admin, later.key)).code === 'REVOKED')
    })
  })
}
