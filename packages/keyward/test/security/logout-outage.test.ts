import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ADMIN, STORES, TestServer } from '../helpers.js'
import { databaseOutage as outage } from './fixture.js'

for (const store of STORES) {
  describe(`a sign-out during a database outage is not reported as done (finding 14, ${store})`, () => {
    let s: TestServer
    before(async () => {
      s = await TestServer.start(store)
    })
    after(() => s.close().catch(() => {}))

    it('Fluxbase signout, native logout and Realm logout answer 503 with a stable code; the session is still there afterwards', async () => {
      const flux = (
        await s.request('POST', '/api/v1/auth/signin', { body: { email: ADMIN.email, password: ADMIN.password } })
      ).body
      const native = await s.adminToken()
      const realm = (
        await s.request('POST', '/api/client/v2.0/app/a/auth/providers/local-userpass/login', {
          body: { username: ADMIN.email, password: ADMIN.password },
        })
      ).body
      // Used once, so both native tokens are in the session cache when the database goes away.
      assert.equal((await s.request('GET', '/api/v1/auth/user', { token: flux.access_token })).status, 200)
      assert.equal((await s.request('GET', '/v1/auth/whoami', { token: native })).status, 200)

      const restore = await outage(s)
      const out = await s.request('POST', '/api/v1/auth/signout', { token: flux.access_token })
      assert.equal(out.status, 503, out.text)
      assert.equal(out.body.code, 'UNAVAILABLE')
      const nativeOut = await s.request('POST', '/v1/auth/logout', { token: native })
      assert.equal(nativeOut.status, 503, nativeOut.text)
      assert.equal(nativeOut.body.error.code, 'unavailable')
      const realmOut = await s.request('DELETE', '/api/client/v2.0/auth/session', { token: realm.refresh_token })
      assert.equal(realmOut.status, 503, realmOut.text)
      assert.equal(realmOut.body.error_code, 'ServiceUnavailable')
      if (!restore) return
      await restore()
      // The 503 told the truth: the session was not ended, and ending it now works.
      assert.equal((await s.request('GET', '/api/v1/auth/user', { token: flux.access_token })).status, 200)
      assert.equal((await s.request('POST', '/api/v1/auth/signout', { token: flux.access_token })).status, 200)
      assert.equal((await s.request('GET', '/api/v1/auth/user', { token: flux.access_token })).status, 401)
      assert.equal((await s.request('POST', '/v1/auth/logout', { token: native })).status, 204)
      assert.equal(
        (await s.request('DELETE', '/api/client/v2.0/auth/session', { token: realm.refresh_token })).status,
        204,
      )
      assert.equal(
        (await s.request('POST', '/api/client/v2.0/auth/session', { token: realm.refresh_token })).status,
        401,
      )
    })
  })
}
