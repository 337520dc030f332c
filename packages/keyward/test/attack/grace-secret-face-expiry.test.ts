import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { STORES, serverForSuite } from '../helpers.js'

const P = '/api/client/v2.0'

/** The `exp` claim (seconds) of a JWT, as realm-web reads it to decide when to refresh. */
const expOf = (jwt: string): number =>
  (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp

/**
 * A rolled-away secret's answers say when it ends, on every face. A Realm `api-key` login with the
 * old secret hands realm-web an access token whose `exp` is 30 minutes away, whatever the grace end
 * (60 s here), and `POST /auth/session` renews it for 30 more while the grace lasts: a client
 * trusting `exp` holds a token it reads as good long after its secret stopped working.
 */
for (const store of STORES) {
  describe(`attack: a rolled-away secret's Realm tokens outlive its grace end (${store})`, () => {
    const clock = manualClock(new Date('2026-05-01T00:00:00.000Z'))
    const suite = serverForSuite(store, { clock })

    const rolled = async () => {
      const { s, admin } = suite
      const k = await s.createKey(admin, { scopes: ['keys:read'] })
      const r = await s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin, body: { grace_period_s: 60 } })
      assert.equal(r.status, 200, r.text)
      return { old: k.key, graceEndS: Math.floor(clock.now().getTime() / 1000) + 60 }
    }

    it('the access token of a Realm login with the old secret expires by the grace end', async () => {
      const { s } = suite
      const k = await rolled()
      const login = await s.request('POST', `${P}/app/a/auth/providers/api-key/login`, { body: { key: k.old } })
      assert.equal(login.status, 200, login.text)
      const exp = expOf(login.body.access_token)
      assert.ok(
        exp <= k.graceEndS,
        `BROKEN: Realm access token exp ${new Date(exp * 1000).toISOString()} is after the grace end ${new Date(k.graceEndS * 1000).toISOString()}`,
      )
    })

    it('a refreshed access token of that session expires by the grace end too', async () => {
      const { s } = suite
      const k = await rolled()
      const login = await s.request('POST', `${P}/app/a/auth/providers/api-key/login`, { body: { key: k.old } })
      assert.equal(login.status, 200, login.text)
      const renewed = await s.request('POST', `${P}/auth/session`, { token: login.body.refresh_token })
      assert.equal(renewed.status, 201, renewed.text)
      const exp = expOf(renewed.body.access_token)
      assert.ok(
        exp <= k.graceEndS,
        `BROKEN: refreshed Realm access token exp ${new Date(exp * 1000).toISOString()} is after the grace end ${new Date(k.graceEndS * 1000).toISOString()}`,
      )
    })

    it("whoami's grace_ends_at says when the old secret stops: the key's expiry, PATCHed earlier after the roll", async () => {
      const { s, admin } = suite
      const k = await s.createKey(admin, { scopes: ['keys:read'] })
      const r = await s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin, body: { grace_period_s: 600 } })
      assert.equal(r.status, 200, r.text)
      const soon = new Date(clock.now().getTime() + 30_000).toISOString()
      const p = await s.request('PATCH', `/v1/keys/${k.id}`, { token: admin, body: { expires_at: soon } })
      assert.equal(p.status, 200, p.text)
      assert.equal((await s.verify(admin, k.key)).expires_at, soon, 'verify says the key expiry')
      const me = await s.request('GET', '/v1/auth/whoami', { token: k.key })
      assert.equal(me.status, 200, me.text)
      assert.ok(
        Date.parse(me.body.grace_ends_at) <= Date.parse(soon),
        `BROKEN: whoami grace_ends_at ${me.body.grace_ends_at} ("it stops working then") is after the secret's end ${soon}`,
      )
    })
  })
}
