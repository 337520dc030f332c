import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BACKENDS, Cluster, SKIP_NO_POSTGRES } from './cluster.js'

for (const backend of BACKENDS) {
  describe(`identities and named limits across 3 nodes (${backend} limiter)`, { skip: SKIP_NO_POSTGRES }, () => {
    let c: Cluster
    let admin: string
    before(async () => {
      c = await Cluster.start(3, backend)
      admin = await c.nodes[0]!.adminToken()
    })
    after(() => c?.close())

    const identity = async (body: Record<string, unknown>) =>
      (await c.nodes[0]!.request('POST', '/v1/identities', { token: admin, body })).body.id as number

    it("an identity's credits never go below zero: 3 nodes x 40 verifications of 3 keys on 50 credits pass 50", async () => {
      const ident = await identity({ external_id: 'credits', remaining: 50 })
      const keys = await Promise.all([1, 2, 3].map(() => c.nodes[0]!.createKey(admin, { identity_id: ident })))
      const results = await Promise.all(
        c.nodes.flatMap((n, i) => Array.from({ length: 40 }, () => n.verify(admin, keys[i]!.key))),
      )
      assert.equal(results.filter((r) => r.code === 'VALID').length, 50)
      assert.ok(results.every((r) => r.remaining === undefined || r.remaining === null || r.remaining >= 0))
      const stored = await c.nodes[2]!.request('GET', `/v1/identities/${ident}`, { token: admin })
      assert.equal(stored.body.remaining, 0)
    })

    it("an identity's limit holds across its keys on 3 nodes, and takes nothing from the keys' own limits it refused", async () => {
      const ident = await identity({
        external_id: 'limits',
        ratelimits: [{ name: 'requests', limit: 20, window_s: 60, auto_apply: true }],
      })
      const own = [{ name: 'tokens', limit: 1000, window_s: 60, auto_apply: true }]
      const keys = await Promise.all(
        [1, 2, 3].map(() => c.nodes[0]!.createKey(admin, { identity_id: ident, ratelimits: own })),
      )
      const results = await Promise.all(
        c.nodes.flatMap((n, i) => Array.from({ length: 20 }, () => n.verify(admin, keys[i]!.key))),
      )
      assert.equal(results.filter((r) => r.code === 'VALID').length, 20)
      let charged = 0
      for (const k of keys) {
        const peek = await c.nodes[0]!.request('POST', '/v1/keys/verify', {
          token: admin,
          body: { key: k.key, ratelimits: [{ name: 'tokens', cost: 0 }], cost: 0 },
        })
        // cost 0 on "tokens" reads it; the identity's "requests" (auto, cost 1) refuses, charging nothing.
        const tokens = peek.body.ratelimits.find((l: { on: string }) => l.on === 'key')
        charged += 1000 - tokens.remaining
      }
      assert.equal(charged, 20, "the keys' own limits were charged exactly for the 20 allowed verifications")
    })

    it('several named limits on one key: no partial consumption under 3 nodes x 30 concurrent verifications', async () => {
      const { key } = await c.nodes[0]!.createKey(admin, {
        ratelimits: [
          { name: 'burst', limit: 15, window_s: 60, auto_apply: true },
          { name: 'tokens', limit: 10_000, window_s: 60 },
        ],
      })
      const results = await Promise.all(
        c.nodes.flatMap((n) =>
          Array.from({ length: 30 }, () =>
            n.request('POST', '/v1/keys/verify', {
              token: admin,
              body: { key, ratelimits: [{ name: 'tokens', cost: 7 }] },
            }),
          ),
        ),
      )
      assert.equal(results.filter((r) => r.body.code === 'VALID').length, 15)
      const peek = await c.nodes[1]!.request('POST', '/v1/keys/verify', {
        token: admin,
        body: { key, ratelimits: [{ name: 'tokens', cost: 0 }] },
      })
      const tokens = peek.body.ratelimits.find((l: { name: string }) => l.name === 'tokens')
      assert.equal(tokens.remaining, 10_000 - 15 * 7, 'tokens charged only for the 15 allowed')
    })
  })
}
