import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { REALM } from '../security/fixture.js'

/**
 * Attack: an ip-restricted key opens a Realm session from an allowed address, then the
 * session (refresh token) is used from anywhere: to mint keys, or to keep acting itself.
 */
for (const store of STORES) {
  describe(`attack: restricted key's Realm session escapes its restriction (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
    })
    after(() => s.close())

    const at = (ip: string, method: string, url: string, token: string | null, body?: unknown) =>
      s.kw.app.inject({
        method: method as 'POST',
        url,
        remoteAddress: ip,
        headers: {
          ...(token && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        payload: body === undefined ? undefined : JSON.stringify(body),
      })

    it('the session cannot be used, nor mint an unrestricted key, from outside ip_allow', async (t) => {
      const k = await s.createKey(admin, { restrictions: { ip_allow: ['203.0.113.0/24'] } })
      const login = await at('203.0.113.9', 'POST', `${REALM}/app/kw/auth/providers/api-key/login`, null, {
        key: k.key,
      })
      assert.equal(login.statusCode, 200, login.body)
      const { refresh_token: rt } = JSON.parse(login.body)
      const outside = '198.51.100.7'
      const mint = await at(outside, 'POST', `${REALM}/auth/api_keys`, rt, { name: 'escape' })
      if (mint.statusCode === 201 || mint.statusCode === 200) {
        const made = JSON.parse(mint.body)
        const v = await s.request('POST', '/v1/keys/verify', {
          token: admin,
          body: { key: made.key, context: { ip: outside } },
        })
        assert.notEqual(
          v.body.valid,
          true,
          `BROKEN: Realm mint from ${outside} -> ${mint.statusCode}; child verifies from ${outside}: ${v.text}`,
        )
      }
      assert.ok(mint.statusCode >= 400, `Realm mint from outside answered ${mint.statusCode}`)
      const session = await at(outside, 'POST', `${REALM}/auth/session`, rt)
      const fresh = session.statusCode === 201 ? (JSON.parse(session.body).access_token as string) : null
      const list = fresh ? await at(outside, 'GET', `${REALM}/auth/api_keys`, fresh) : null
      t.diagnostic(
        `outside: mint ${mint.statusCode}, refresh ${session.statusCode}, list with fresh token ${list?.statusCode}`,
      )
      assert.ok(!list || list.statusCode >= 400, `BROKEN: fresh access token lists keys from ${outside}: ${list?.body}`)
      // The session is the key's: from outside ip_allow it renews nothing and reads nothing, as the key itself.
      assert.equal(session.statusCode, 401, `refresh from ${outside}: ${session.body}`)
      const listed = await at(outside, 'GET', `${REALM}/auth/api_keys`, rt)
      assert.equal(listed.statusCode, 401, `list with the refresh token from ${outside}: ${listed.body}`)
      // From inside, the same session works.
      const inside = await at('203.0.113.9', 'POST', `${REALM}/auth/session`, rt)
      assert.equal(inside.statusCode, 201, inside.body)
      const access = JSON.parse(inside.body).access_token as string
      const profile = await at(outside, 'GET', `${REALM}/auth/profile`, access)
      assert.equal(profile.statusCode, 401, `profile with an access token from ${outside}: ${profile.body}`)
      assert.equal((await at('203.0.113.9', 'GET', `${REALM}/auth/profile`, access)).statusCode, 200)
    })
  })
}
