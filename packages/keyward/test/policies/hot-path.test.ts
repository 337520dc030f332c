import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { TestServer } from '../helpers.js'

/**
 * The limits step costs nothing for keys it does not concern: once cached, a key with no
 * limit to check, no credits and an identity without either is answered by `verifySync`
 * (no promise, no store or limiter round trip); any limit or budget sends it to `verify`.
 */
describe('named limits keep the verify hot path cheap (sqlite)', () => {
  let s: TestServer
  let admin: string
  before(async () => {
    s = await TestServer.start('sqlite')
    admin = await s.adminToken()
  })
  after(() => s.close())

  const syncAnswer = async (body: Record<string, unknown>, opts: Record<string, unknown> = {}) => {
    const { key } = await s.createKey(admin, body)
    await s.kw.services.verifier.verify(key) // caches it
    return s.kw.services.verifier.verifySync(key, opts)
  }

  it('answers from the cache: no limits; only limits the request does not name; an identity with neither', async () => {
    const bare = (await s.request('POST', '/v1/identities', { token: admin, body: { external_id: 'bare' } })).body
    for (const body of [
      {},
      { ratelimits: [{ name: 'tokens', limit: 5, window_s: 60 }] },
      { identity_id: bare.id as number },
    ]) {
      const r = await syncAnswer(body)
      assert.equal(r?.code, 'VALID', JSON.stringify(body))
    }
  })

  it('goes to verify for an auto-applied or requested limit, credits, or an identity with limits', async () => {
    const limited = (
      await s.request('POST', '/v1/identities', {
        token: admin,
        body: { external_id: 'limited', ratelimits: [{ name: 'r', limit: 5, window_s: 60, auto_apply: true }] },
      })
    ).body
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ ratelimits: [{ name: 'r', limit: 5, window_s: 60, auto_apply: true }] }, {}],
      [{ ratelimits: [{ name: 'tokens', limit: 5, window_s: 60 }] }, { ratelimits: [{ name: 'tokens' }] }],
      [{ remaining: 5 }, {}],
      [{ identity_id: limited.id as number }, {}],
    ]
    for (const [body, opts] of cases) assert.equal(await syncAnswer(body, opts), undefined, JSON.stringify(body))
  })
})
