import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { flux } from './fixture.js'

// Finding 9: a rate- or usage-limited key holding keys:write lifted its own
// limits. A key cannot change its own scopes, limits or expiry, and cannot mint
// a twin without them: what it produces is bounded by its own limits and expiry.
for (const store of STORES) {
  describe(`a key cannot lift its own limits (${store})`, () => {
    let s: TestServer
    let admin: string
    let limited: { key: string; id: number }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      limited = await s.createKey(admin, {
        name: 'limited',
        scopes: ['keys:write', 'keys:read', 'write:clientkeys'],
        rate_limit: { limit: 50, window_s: 60 },
        remaining: 40,
        expires_at: '2090-01-01T00:00:00Z',
      })
    })
    after(() => s.close())

    it('refuses PATCHes of its own limits, counters, scopes and expiry (403), on /v1 and Fluxbase', async () => {
      const patches = [
        { rate_limit: null },
        { rate_limit: { limit: 5000, window_s: 1 } },
        { remaining: null },
        { remaining: 1_000_000 },
        { refill: { amount: 100, interval_s: 1 } },
        { scopes: ['keys:write'] },
        { expires_at: null },
        { expires_at: '2099-01-01T00:00:00Z' },
      ]
      for (const body of patches) {
        const r = await s.request('PATCH', `/v1/keys/${limited.id}`, { token: limited.key, body })
        assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.text}`)
      }
      const f = await flux(s, 'PATCH', `/api-keys/${limited.id}`, limited.key, { rate_limit_per_minute: 100000 })
      assert.equal(f.status, 403, f.text)
      const got = await s.request('GET', `/v1/keys/${limited.id}`, { token: admin })
      assert.deepEqual(got.body.rate_limit, { limit: 50, window_s: 60 })
      assert.equal(got.body.expires_at, '2090-01-01T00:00:00.000Z')
      assert.ok(got.body.remaining <= 40)
    })

    it('still renames itself', async () => {
      assert.equal(
        (await s.request('PATCH', `/v1/keys/${limited.id}`, { token: limited.key, body: { name: 'renamed' } })).status,
        200,
      )
    })

    it('refuses a twin without its limits or expiry, and accepts one within them', async () => {
      const twins = [
        { scopes: ['keys:write'] },
        { scopes: ['keys:write'], rate_limit: { limit: 50, window_s: 60 }, expires_at: '2090-01-01T00:00:00Z' },
        { scopes: ['keys:write'], remaining: 10, expires_at: '2090-01-01T00:00:00Z' },
        {
          scopes: ['keys:write'],
          rate_limit: { limit: 51, window_s: 60 },
          remaining: 10,
          expires_at: '2090-01-01T00:00:00Z',
        },
        {
          scopes: ['keys:write'],
          rate_limit: { limit: 50, window_s: 60 },
          remaining: 10,
          expires_at: '2095-01-01T00:00:00Z',
        },
        {
          scopes: ['keys:write'],
          rate_limit: { limit: 50, window_s: 60 },
          remaining: 10_000,
          expires_at: '2090-01-01T00:00:00Z',
        },
      ]
      for (const body of twins) {
        const r = await s.request('POST', '/v1/keys', {
          token: limited.key,
          body: { name: `twin-${Math.random()}`, ...body },
        })
        assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.text}`)
      }
      const ok = await s.request('POST', '/v1/keys', {
        token: limited.key,
        body: {
          name: 'bounded',
          scopes: ['keys:write'],
          rate_limit: { limit: 10, window_s: 120 },
          remaining: 5,
          expires_at: '2089-01-01T00:00:00Z',
        },
      })
      assert.equal(ok.status, 201, ok.text)
    })

    it('refuses to lift the limits of a sibling that has them (the sibling is wider once lifted)', async () => {
      const sib = await s.createKey(limited.key, {
        name: 'sib',
        scopes: ['keys:write'],
        rate_limit: { limit: 10, window_s: 60 },
        remaining: 5,
        expires_at: '2089-01-01T00:00:00Z',
      })
      const r = await s.request('PATCH', `/v1/keys/${sib.id}`, { token: limited.key, body: { rate_limit: null } })
      assert.equal(r.status, 403, r.text)
      const tighter = await s.request('PATCH', `/v1/keys/${sib.id}`, { token: limited.key, body: { remaining: 1 } })
      assert.equal(tighter.status, 200, tighter.text)
    })
  })
}
