import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { TestServer } from '../helpers.js'

/** The rate-limit stores: the database's (SQLite here) always, Redis when the test run has one. */
const LIMITERS: [string, Record<string, string>][] = [
  ['database limiter', {}],
  ...(process.env.KEYWARD_TEST_REDIS_URL
    ? [
        [
          'Redis limiter',
          {
            KEYWARD_REDIS_URL: process.env.KEYWARD_TEST_REDIS_URL,
            KEYWARD_REDIS_PREFIX: `kwattack:${randomBytes(4).toString('hex')}:`,
            KEYWARD_RATE_LIMIT_STORE: 'redis',
          },
        ] as [string, Record<string, string>],
      ]
    : []),
]

/**
 * Attack: a rate-limited key with keys:write spends its window, then links itself to an identity
 * of its own making and a sibling key deletes that identity, and so on. The Redis limiter keys a call's counters under the hash tag of the key's identity
 * (`{i<identity>}`, else `{k<key>}`; services/policies/limit-step.ts), so the key's OWN named
 * limit would start a fresh window at each link: the key escapes its own limit. (Held: a key may
 * not change its own limits, identity included; whoever may relink it may also change its limits.)
 */
for (const [limiter, env] of LIMITERS) {
  describe(`attack: a key resets its own rate-limit window by relinking its identity (${limiter})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start('sqlite', { env })
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('a key limited to 2 searches an hour gets no more than 2, whatever identities it links', async (t) => {
      const limit = { name: 'search', limit: 2, window_s: 3600 }
      const k = await s.createKey(admin, { scopes: ['keys:read', 'keys:write'], ratelimits: [limit] })
      const sibling = await s.createKey(admin, { scopes: ['keys:read', 'keys:write'] })
      let admitted = 0
      const search = async () => {
        const r = await s.request('POST', '/v1/keys/verify', {
          token: admin,
          body: { key: k.key, ratelimits: [{ name: 'search' }] },
        })
        if (r.body?.valid === true) admitted++
      }
      const steps: string[] = []
      for (let round = 0; round < 3; round++) {
        await search()
        await search()
        await search()
        const made = await s.request('POST', '/v1/identities', {
          token: k.key,
          body: { external_id: `escape-${round}-${randomBytes(3).toString('hex')}` },
        })
        const linked = await s.request('PATCH', `/v1/keys/${k.id}`, {
          token: k.key,
          body: { identity_id: made.body?.id },
        })
        const unlinked = await s.request('DELETE', `/v1/identities/${made.body?.id}`, { token: sibling.key })
        steps.push(
          `round ${round}: identity ${made.status}, self-link ${linked.status} ${linked.status === 200 ? '' : linked.text}, sibling delete ${unlinked.status}`,
        )
      }
      await search()
      await search()
      t.diagnostic(`admitted ${admitted}; ${steps.join('; ')}`)
      assert.ok(
        admitted <= 2,
        `FINDING: a key limited to 2 searches per hour was admitted ${admitted} times within the hour (${steps.join('; ')})`,
      )
    })
  })
}
