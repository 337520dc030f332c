import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { before, describe, it } from 'node:test'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'
import { verifies } from '../security/fixture.js'

const REALM = '/api/client/v2.0'

/**
 * `password-session-line.test.ts` through the compatible faces: a password a leaked key set, signed in with through
 * Realm's `local-userpass` and Fluxbase's sign-in (and a session its refresh token renewed), made keys that outlived
 * `revoke {minted: true}` of that key.
 */
for (const store of STORES) {
  describe(`keys made by a Realm or Fluxbase login of a password a key chose end with that key (${store})`, () => {
    const t = serverForSuite(store)
    let s: TestServer
    let admin: string
    before(() => ({ s, admin } = t))

    /** A member whose password key `by` set; its email and password. */
    async function takenOver(by: string) {
      const name = `pslf-${randomBytes(3).toString('hex')}`
      const bob = await s.member(name, admin)
      const set = await s.request('POST', `/v1/users/${bob.id}/password`, {
        token: by,
        body: { new_password: 'taken-over-password-1' },
      })
      assert.equal(set.status, 204, set.text)
      return { email: `${name}@example.com`, password: 'taken-over-password-1' }
    }
    const revokeMinted = (id: number) =>
      s.request('POST', `/v1/keys/${id}/revoke`, { token: admin, body: { reason: 'leaked', minted: true } })

    it('Realm local-userpass: the API key its session created', async () => {
      const leaked = await s.createKey(admin, { name: 'pslf-k' })
      const { email, password } = await takenOver(leaked.key)
      const login = await s.request('POST', `${REALM}/app/x/auth/providers/local-userpass/login`, {
        body: { username: email, password },
      })
      assert.equal(login.status, 200, login.text)
      const made = await s.request('POST', `${REALM}/auth/api_keys`, {
        token: login.body.refresh_token,
        body: { name: 'pslf-realm' },
      })
      assert.equal(made.status, 201, made.text)
      const r = await revokeMinted(leaked.id)
      assert.equal(r.status, 200, r.text)
      assert.equal(await verifies(s, admin, made.body.key), false, 'BROKEN: the Realm session made a key that lives')
      assert.equal(r.body.minted_revoked, 1, r.text)
    })

    it('Fluxbase: the key its session made, and the one a session its refresh token renewed made', async () => {
      const leaked = await s.createKey(admin, { name: 'pslf-k' })
      const { email, password } = await takenOver(leaked.key)
      const signIn = await s.request('POST', '/api/v1/auth/signin', { body: { email, password } })
      assert.equal(signIn.status, 200, signIn.text)
      const create = (token: string, name: string) =>
        s.request('POST', '/api/v1/api-keys', { token, body: { name, scopes: [] } })
      const first = await create(signIn.body.access_token, 'pslf-flux-1')
      assert.equal(first.status, 201, first.text)
      const renewed = await s.request('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: signIn.body.refresh_token },
      })
      assert.equal(renewed.status, 200, renewed.text)
      const second = await create(renewed.body.access_token, 'pslf-flux-2')
      assert.equal(second.status, 201, second.text)
      const r = await revokeMinted(leaked.id)
      assert.equal(r.status, 200, r.text)
      assert.equal(
        await verifies(s, admin, first.body.key),
        false,
        'BROKEN: the Fluxbase session made a key that lives',
      )
      assert.equal(
        await verifies(s, admin, second.body.key),
        false,
        'BROKEN: the renewed session made a key that lives',
      )
      assert.equal(r.body.minted_revoked, 2, r.text)
    })
  })
}
