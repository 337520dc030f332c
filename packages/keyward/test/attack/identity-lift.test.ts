import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Attack ("rights never grow", core/authz.ts `excessRights`): a bounded key with keys:write (a rate
 * limit of its own, not linked to any identity) may not unlink another key from the identity whose
 * shared limits bind it: the derivation rule refuses that PATCH. Does it get the same through the
 * identity itself: raise the identity's limits, give it credits, or delete it (its keys stay, unlinked)?
 */
for (const store of STORES) {
  describe(`attack: a bounded key lifts the limits of another key through its identity (${store})`, () => {
    const suite = serverForSuite(store)

    const world = async () => {
      const made = await suite.s.request('POST', '/v1/identities', {
        token: suite.admin,
        body: {
          external_id: `cust-${randomBytes(3).toString('hex')}`,
          ratelimits: [{ name: 'search', limit: 2, window_s: 3600 }],
          remaining: 2,
        },
      })
      assert.equal(made.status, 201, made.text)
      const identity = made.body.id as number
      const bound = await suite.s.createKey(suite.admin, { identity_id: identity })
      const bounded = await suite.s.createKey(suite.admin, {
        scopes: ['keys:read', 'keys:write'],
        ratelimits: [{ name: 'default', limit: 100, window_s: 60 }],
        remaining: 10,
      })
      return { identity, bound, bounded }
    }

    it('the derivation rule refuses unlinking the bound key (baseline)', async () => {
      const { bound, bounded } = await world()
      const r = await suite.s.request('PATCH', `/v1/keys/${bound.id}`, {
        token: bounded.key,
        body: { identity_id: null },
      })
      assert.ok(r.status === 403 || r.status === 404, `baseline: unlink answered ${r.status} ${r.text}`)
    })

    it('nor may it raise the identity’s limits or credits', async () => {
      const { identity, bounded } = await world()
      const r = await suite.s.request('PATCH', `/v1/identities/${identity}`, {
        token: bounded.key,
        body: { ratelimits: [{ name: 'search', limit: 1_000_000, window_s: 1 }], remaining: 1_000_000 },
      })
      const now = await suite.s.request('GET', `/v1/identities/${identity}`, { token: suite.admin })
      assert.ok(
        r.status === 403 || r.status === 404,
        `FINDING: a key limited to 100/min with 10 credits raised the identity binding another key to ` +
          `${JSON.stringify(now.body.ratelimits)} and remaining ${now.body.remaining}: ${r.status}`,
      )
    })

    it('nor delete the identity, which leaves the bound key unlimited', async () => {
      const { identity, bound, bounded } = await world()
      const r = await suite.s.request('DELETE', `/v1/identities/${identity}`, { token: bounded.key })
      const key = await suite.s.request('GET', `/v1/keys/${bound.id}`, { token: suite.admin })
      assert.ok(
        r.status === 403 || r.status === 404,
        `FINDING: a bounded key deleted the identity binding key ${bound.id} (${r.status}); that key now has ` +
          `identity ${JSON.stringify(key.body.identity_id)}, remaining ${key.body.remaining}, limits ${JSON.stringify(key.body.ratelimits)}`,
      )
    })
  })
}
