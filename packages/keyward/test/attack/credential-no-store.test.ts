import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { type Response, STORES, serverForSuite } from '../helpers.js'

/**
 * Every answer that carries a credential says `Cache-Control: no-store`, so no cache between the
 * client and Keyward (a proxy, a CDN, the browser's disk) keeps it. Keys and webhook secrets said it;
 * the session and refresh tokens of the native, Realm and Fluxbase logins and refreshes, and an
 * invitation's token, did not (an attacker's find).
 */
for (const store of STORES) {
  describe(`attack: credentials answered without no-store (${store})`, () => {
    const t = serverForSuite(store)
    let answers: [string, Response][] = []
    before(async () => {
      const R = (m: string, u: string, body?: unknown, token?: string) => t.s.request(m, u, { token, body })
      const realm = '/api/client/v2.0/app/x/auth/providers'
      const admin = { email: 'admin@example.com', password: 'admin-password-1' }
      const realmLogin = await R('POST', `${realm}/local-userpass/login`, { username: admin.email, ...admin })
      const fluxSignIn = await R('POST', '/api/v1/auth/signin', admin)
      const key = await t.s.createKey(t.admin, { name: 'realm' })
      const org = (await R('GET', '/v1/organizations', undefined, t.admin)).body.organizations[0]
      answers = [
        ['native login', await R('POST', '/v1/auth/login', admin)],
        ['Realm password login', realmLogin],
        ['Realm key login', await R('POST', `${realm}/api-key/login`, { key: key.key })],
        ['Realm refresh', await R('POST', '/api/client/v2.0/auth/session', undefined, realmLogin.body.refresh_token)],
        ['Fluxbase sign-in', fluxSignIn],
        ['Fluxbase refresh', await R('POST', '/api/v1/auth/refresh', { refresh_token: fluxSignIn.body.refresh_token })],
        [
          'invitation',
          await R(
            'POST',
            `/v1/organizations/${org.id}/invitations`,
            { email: 'x@example.com', role: 'viewer' },
            t.admin,
          ),
        ],
        ['balena login_', await R('POST', '/login_', { username: admin.email, password: admin.password })],
      ]
    })

    it('each says Cache-Control: no-store', () => {
      for (const [what, r] of answers) {
        assert.ok(r.status === 200 || r.status === 201, `control: ${what} ${r.status} ${r.text}`)
        assert.equal(r.headers['cache-control'], 'no-store', `BROKEN: ${what} answers a credential without no-store`)
      }
    })
  })
}
