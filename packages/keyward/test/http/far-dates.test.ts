import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { flux } from '../security/fixture.js'

/**
 * Stored dates are compared and sorted as text, so they must keep four-digit years. A tester's
 * find: an expiry offset past 9999-12-31 ("9999-12-31T23:59:59-23:59") was stored as
 * `+010000-01-01T…`, which verify read as VALID while `?status=expired` listed the key, the sort
 * put it before 1970 and OData's `lt` matched it. Every face now answers 400.
 */
const BEYOND = '9999-12-31T23:59:59-23:59'

for (const store of STORES) {
  describe(`an expiry past the year 9999 (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('is refused on every face that takes an expiry, naming the years', async () => {
      const full = await s.createKey(admin)
      const answers = {
        create: await s.request('POST', '/v1/keys', { token: admin, body: { name: 'far', expires_at: BEYOND } }),
        update: await s.request('PATCH', `/v1/keys/${full.id}`, { token: admin, body: { expires_at: BEYOND } }),
        import: await s.request('POST', '/v1/keys/import', {
          token: admin,
          body: { keys: [{ plaintext: `kw_far_${randomBytes(20).toString('hex')}`, expires_at: BEYOND }] },
        }),
        balena: await s.request('POST', '/api-key/user/full', {
          token: admin,
          body: { name: 'far', expiryDate: BEYOND },
        }),
        fluxbase: await flux(s, 'POST', '/api-keys', full.key, { name: 'far', scopes: ['*'], expires_at: BEYOND }),
      }
      for (const [face, r] of Object.entries(answers)) {
        assert.equal(r.status, 400, `${face}: ${r.status} ${r.text}`)
        assert.match(r.text, /years 0000 to 9999/, face)
      }
      assert.match(answers.import.text, /"field":"keys\[0\]\.expires_at"/, 'the import names its item')
      const listed = await s.request('GET', '/v1/keys?limit=100', { token: admin })
      assert.equal(listed.body.api_keys.length, 1, `only the first key exists: ${listed.text}`)
      assert.equal(listed.body.api_keys[0].expires_at, null, 'the update changed nothing')
    })

    it('a day the calendar lacks (February 30th) is refused, not rolled over into March, on every face and in OData', async () => {
      const full = await s.createKey(admin)
      const NO_DAY = '2031-02-30T00:00:00Z'
      const filter = encodeURIComponent(`expiry_date lt datetime'${NO_DAY}'`)
      const answers = {
        create: await s.request('POST', '/v1/keys', { token: admin, body: { name: 'feb', expires_at: NO_DAY } }),
        update: await s.request('PATCH', `/v1/keys/${full.id}`, { token: admin, body: { expires_at: NO_DAY } }),
        import: await s.request('POST', '/v1/keys/import', {
          token: admin,
          body: { keys: [{ plaintext: `kw_feb_${randomBytes(20).toString('hex')}`, expires_at: NO_DAY }] },
        }),
        balena: await s.request('POST', '/api-key/user/full', {
          token: admin,
          body: { name: 'feb', expiryDate: NO_DAY },
        }),
        fluxbase: await flux(s, 'POST', '/api-keys', full.key, { name: 'feb', scopes: ['*'], expires_at: NO_DAY }),
        odata: await s.request('GET', `/v7/api_key?$filter=${filter}`, { token: admin }),
      }
      for (const [face, r] of Object.entries(answers)) assert.equal(r.status, 400, `${face}: ${r.status} ${r.text}`)
      await s.request('DELETE', `/v1/keys/${full.id}`, { token: admin })
    })

    it('the last moment of 9999 is still a date', async () => {
      const r = await s.request('POST', '/v1/keys', {
        token: admin,
        body: { name: 'last', expires_at: '9999-12-31T23:59:59Z' },
      })
      assert.equal(r.status, 201, r.text)
      assert.equal(r.body.api_key.expires_at, '9999-12-31T23:59:59.000Z')
    })
  })
}
