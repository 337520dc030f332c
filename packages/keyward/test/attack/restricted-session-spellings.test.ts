import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'
import { REALM } from '../security/fixture.js'

/**
 * Attack: a Realm session opened with a restricted key, used from outside its restrictions by
 * other spellings than the plain outside address: no Origin header for an origin-restricted key,
 * a forged Origin, a forged X-Forwarded-For (no trust proxy), an IPv4-mapped IPv6 peer, the Realm
 * access token on the key routes; and a restriction added after login.
 */
for (const store of STORES) {
  describe(`attack: restricted key's Realm session, other spellings (${store})`, () => {
    const suite = serverForSuite(store)

    const at = (ip: string, method: string, url: string, token: string | null, headers: Record<string, string> = {}) =>
      suite.s.kw.app.inject({
        method: method as 'POST',
        url,
        remoteAddress: ip,
        headers: { ...headers, ...(token && { authorization: `Bearer ${token}` }) },
      })
    const login = async (ip: string, key: string, headers: Record<string, string> = {}) =>
      suite.s.kw.app.inject({
        method: 'POST',
        url: `${REALM}/app/kw/auth/providers/api-key/login`,
        remoteAddress: ip,
        headers: { ...headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ key }),
      })
    const INSIDE = '203.0.113.9'
    const OUTSIDE = '198.51.100.7'

    it('an origin-restricted session: no Origin, a foreign Origin or "null" renews and reads nothing', async () => {
      const k = await suite.s.createKey(suite.admin, { restrictions: { origin_allow: ['https://app.example.com'] } })
      const ok = { origin: 'https://app.example.com' }
      const opened = await login(OUTSIDE, k.key, ok)
      assert.equal(opened.statusCode, 200, opened.body)
      const { refresh_token: rt, access_token: access } = JSON.parse(opened.body)
      for (const headers of [{}, { origin: 'https://evil.example.com' }, { origin: 'null' }] as Record<
        string,
        string
      >[]) {
        const what = JSON.stringify(headers)
        assert.equal(
          (await at(OUTSIDE, 'POST', `${REALM}/auth/session`, rt, headers)).statusCode,
          401,
          `refresh ${what}`,
        )
        assert.equal((await at(OUTSIDE, 'GET', `${REALM}/auth/api_keys`, rt, headers)).statusCode, 401, `list ${what}`)
        assert.equal(
          (await at(OUTSIDE, 'GET', `${REALM}/auth/profile`, access, headers)).statusCode,
          401,
          `profile ${what}`,
        )
      }
      assert.equal((await at(OUTSIDE, 'POST', `${REALM}/auth/session`, rt, ok)).statusCode, 201)
    })

    it('X-Forwarded-For naming an allowed address is not believed without trust proxy', async () => {
      const k = await suite.s.createKey(suite.admin, { restrictions: { ip_allow: ['203.0.113.0/24'] } })
      const xff = { 'x-forwarded-for': INSIDE, 'x-real-ip': INSIDE, forwarded: `for=${INSIDE}` }
      assert.equal((await login(OUTSIDE, k.key, xff)).statusCode, 401, 'login with a forged X-Forwarded-For')
      const opened = await login(INSIDE, k.key)
      assert.equal(opened.statusCode, 200, opened.body)
      const { refresh_token: rt } = JSON.parse(opened.body)
      assert.equal((await at(OUTSIDE, 'POST', `${REALM}/auth/session`, rt, xff)).statusCode, 401)
      assert.equal((await at(OUTSIDE, 'GET', `${REALM}/auth/api_keys`, rt, xff)).statusCode, 401)
    })

    it('an IPv4-mapped IPv6 peer is judged as its IPv4 address', async () => {
      const k = await suite.s.createKey(suite.admin, { restrictions: { ip_allow: ['203.0.113.0/24'] } })
      const opened = await login(INSIDE, k.key)
      const { refresh_token: rt } = JSON.parse(opened.body)
      const mappedOut = await at(`::ffff:${OUTSIDE}`, 'POST', `${REALM}/auth/session`, rt)
      assert.equal(mappedOut.statusCode, 401, `refresh from ::ffff:${OUTSIDE}: ${mappedOut.body}`)
      const v6 = await at('2001:db8::1', 'POST', `${REALM}/auth/session`, rt)
      assert.equal(v6.statusCode, 401, `refresh from 2001:db8::1: ${v6.body}`)
    })

    it('the Realm access token is no refresh token: the key routes refuse it', async () => {
      const k = await suite.s.createKey(suite.admin, { restrictions: { ip_allow: ['203.0.113.0/24'] } })
      const { access_token: access } = JSON.parse((await login(INSIDE, k.key)).body)
      assert.equal((await at(OUTSIDE, 'GET', `${REALM}/auth/api_keys`, access)).statusCode, 401)
      assert.equal((await at(OUTSIDE, 'POST', `${REALM}/auth/session`, access)).statusCode, 401)
    })

    it('a restriction added to the key after login binds the open session at once', async () => {
      const k = await suite.s.createKey(suite.admin)
      const { refresh_token: rt, access_token: access } = JSON.parse((await login(OUTSIDE, k.key)).body)
      assert.equal((await at(OUTSIDE, 'POST', `${REALM}/auth/session`, rt)).statusCode, 201)
      const patched = await suite.s.request('PATCH', `/v1/keys/${k.id}`, {
        token: suite.admin,
        body: { restrictions: { ip_allow: ['203.0.113.0/24'] } },
      })
      assert.equal(patched.status, 200, patched.text)
      assert.equal((await at(OUTSIDE, 'POST', `${REALM}/auth/session`, rt)).statusCode, 401, 'refresh after PATCH')
      assert.equal((await at(OUTSIDE, 'GET', `${REALM}/auth/profile`, access)).statusCode, 401, 'profile after PATCH')
      assert.equal((await at(INSIDE, 'POST', `${REALM}/auth/session`, rt)).statusCode, 201)
    })

    it('a key minted through the session from inside never works outside the origin key', async () => {
      const k = await suite.s.createKey(suite.admin, { restrictions: { ip_allow: ['203.0.113.0/24'] } })
      const { refresh_token: rt } = JSON.parse((await login(INSIDE, k.key)).body)
      const mint = await suite.s.kw.app.inject({
        method: 'POST',
        url: `${REALM}/auth/api_keys`,
        remoteAddress: INSIDE,
        headers: { authorization: `Bearer ${rt}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'child' }),
      })
      if (mint.statusCode !== 201) return assert.ok(mint.statusCode >= 400 && mint.statusCode < 500, mint.body)
      const child = JSON.parse(mint.body).key as string
      const v = await suite.s.request('POST', '/v1/keys/verify', {
        token: suite.admin,
        body: { key: child, context: { ip: OUTSIDE } },
      })
      assert.notEqual(v.body.valid, true, `BROKEN: a child minted inside verifies from ${OUTSIDE}: ${v.text}`)
    })
  })
}
