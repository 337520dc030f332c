import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as Realm from 'realm-web'
import { manualClock } from '../../src/core/clock.js'
import { STORES, TestServer } from '../helpers.js'

const P = '/api/client/v2.0'

/** How a key dies, done through the native API (or the clock). */
type Death = 'revoke' | 'disable' | 'delete' | 'expire' | 'roll'

for (const store of STORES) {
  describe(`a Realm session opened with an API key dies with its key (finding 2, ${store})`, () => {
    const clock = manualClock(new Date())
    let s: TestServer
    let url: string
    let admin: string
    let rita: { id: number; token: string }
    let appSeq = 0
    const newApp = () => new Realm.App({ id: `origin-${store}-${appSeq++}`, baseUrl: url })

    before(async () => {
      s = await TestServer.start(store, { clock })
      url = await s.listen()
      admin = await s.adminToken()
      rita = await s.member('rita', admin)
    })
    after(() => s.close())

    const kill = async (how: Death, id: number): Promise<void> => {
      const r =
        how === 'revoke'
          ? await s.request('POST', `/v1/keys/${id}/revoke`, { token: rita.token, body: {} })
          : how === 'disable'
            ? await s.request('POST', `/v1/keys/${id}/disable`, { token: rita.token })
            : how === 'delete'
              ? await s.request('DELETE', `/v1/keys/${id}`, { token: rita.token })
              : how === 'roll'
                ? await s.request('POST', `/v1/keys/${id}/roll`, { token: rita.token, body: {} })
                : null
      if (how === 'expire') return clock.advance(2 * 3600_000)
      assert.ok(r && r.status < 300, `${how}: ${r?.status} ${r?.text}`)
    }

    for (const how of ['revoke', 'disable', 'delete', 'expire', 'roll'] as Death[]) {
      it(`after a ${how}, the refresh token opens no session, mints no key, and the access token is refused`, async () => {
        const expiresAt = new Date(clock.now().getTime() + 3600_000).toISOString()
        const k = await s.createKey(rita.token, { expires_at: expiresAt })
        const user = await newApp().logIn(Realm.Credentials.apiKey(k.key))
        const refresh = user.refreshToken!
        const access = user.accessToken!
        assert.equal(
          (await fetch(`${url}${P}/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${refresh}` } }))
            .status,
          201,
        )

        await kill(how, k.id)

        const renew = await fetch(`${url}${P}/auth/session`, {
          method: 'POST',
          headers: { authorization: `Bearer ${refresh}` },
        })
        assert.equal(renew.status, 401, "a dead key's refresh token opens no new session")
        const mint = await fetch(`${url}${P}/auth/api_keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${refresh}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `m-${how}` }),
        })
        assert.equal(mint.status, 401, "a dead key's refresh token creates no key")
        const profile = await fetch(`${url}${P}/auth/profile`, { headers: { authorization: `Bearer ${access}` } })
        assert.equal(profile.status, 401, 'a JWT from a dead key is refused on its next use')
        if (how === 'expire') clock.advance(-2 * 3600_000)
      })
    }

    it('a password session of the same user is untouched by the death of a key', async () => {
      const k = await s.createKey(rita.token)
      const byPassword = await newApp().logIn(Realm.Credentials.emailPassword('rita@example.com', 'rita-password-1'))
      await kill('revoke', k.id)
      assert.ok(Array.isArray(await byPassword.apiKeys.fetchAll()))
      await byPassword.logOut()
    })

    it('a key-opened session holds no more scopes than its key, and its audit entries name the key', async () => {
      const k = await s.createKey(rita.token, { scopes: ['keys:read'] })
      const user = await newApp().logIn(Realm.Credentials.apiKey(k.key))
      const mint = await fetch(`${url}${P}/auth/api_keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.refreshToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'nope' }),
      })
      assert.equal(mint.status, 403, 'keys:read only: no key creation')
      const events = (await s.request('GET', `/v1/audit?action=auth.realm_login`, { token: admin })).body.events
      const mine = events.find((e: any) => e.details?.provider === 'api-key' && e.details?.via_key_id === k.id)
      assert.ok(mine, 'the login names the key it was opened with')
    })
  })
}
