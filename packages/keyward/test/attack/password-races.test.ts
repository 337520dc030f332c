import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { PasswordHasher } from '../../src/services/auth/passwords.js'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'

const REALM = '/api/client/v2.0'
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

/**
 * A password change is checked (scrypt), hashed (scrypt again), then written: a reset or a revoke landing in
 * between was overwritten by the stale change, which then signed in (an attacker's find). And a login confirms,
 * once its session is stored, that the password is still the one it checked (`confirmLogin`): a concurrent login
 * upgrading the same hash to newer parameters is no change, but two of three such logins were undone (401).
 */
for (const store of STORES) {
  describe(`password writes racing each other (${store})`, () => {
    const t = serverForSuite(store)
    let s: TestServer
    let admin: string
    before(() => ({ s, admin } = t))
    const login = (email: string, password: string) =>
      s.request('POST', '/v1/auth/login', { body: { email, password } })
    const change = (token: string, current: string, next: string) =>
      s.request('POST', '/v1/auth/password', { token, body: { current_password: current, new_password: next } })

    it('a change landing after the revoke of the key that chose the password does not outlive it', async () => {
      const outlived: number[] = []
      for (let i = 0; i < 6; i++) {
        const leaked = await s.createKey(admin, { name: `pr-revoke-${i}` })
        const u = await s.member(`pr-revoke-${i}-${store}`, admin)
        const email = `pr-revoke-${i}-${store}@example.com`
        const chosen = `key-chosen-password-${i}`
        await s.request('POST', `/v1/users/${u.id}/password`, { token: leaked.key, body: { new_password: chosen } })
        const session = await login(email, chosen)
        assert.equal(session.status, 200, session.text)
        const changing = change(session.body.access_token, chosen, `thief-password-${i}`)
        await sleep(5 + (i % 3) * 15)
        const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
        await changing
        if (r.body.passwords_cleared === 1 && (await login(email, `thief-password-${i}`)).status === 200)
          outlived.push(i)
      }
      assert.deepEqual(outlived, [], 'BROKEN: a change written after the revoke cleared the password signs in')
    })

    it("a change checked before an admin's reset does not override it", async () => {
      const overridden: number[] = []
      for (let i = 0; i < 4; i++) {
        const u = await s.member(`pr-reset-${i}-${store}`, admin)
        const email = `pr-reset-${i}-${store}@example.com`
        const session = await login(email, `pr-reset-${i}-${store}-password-1`)
        const changing = change(session.body.access_token, `pr-reset-${i}-${store}-password-1`, `stale-change-${i}`)
        await sleep(5 + (i % 2) * 15)
        const reset = await s.request('POST', `/v1/users/${u.id}/password`, {
          token: admin,
          body: { new_password: `admin-reset-${i}` },
        })
        assert.equal(reset.status, 204, reset.text)
        const changed = await changing
        if (changed.status === 204 && (await login(email, `stale-change-${i}`)).status === 200) overridden.push(i)
        else assert.equal((await login(email, `admin-reset-${i}`)).status, 200, "the admin's password stands")
      }
      assert.deepEqual(overridden, [], "BROKEN: a stale change overrode the admin's reset")
    })

    it('concurrent logins that upgrade an old hash all sign in, on every face', async () => {
      const old = new PasswordHasher(1024) // the server's is 16384: its first login rehashes
      const failed: string[] = []
      for (let i = 0; i < 3; i++) {
        const u = await s.member(`pr-rehash-${i}-${store}`, admin)
        const email = `pr-rehash-${i}-${store}@example.com`
        const password = 'old-parameters-password-1'
        await s.kw.services.store.db
          .updateTable('user')
          .set({ password_hash: await old.hash(password) })
          .where('id', '=', u.id)
          .execute()
        const answers = await Promise.all([
          login(email, password),
          login(email, password),
          s.request('POST', '/api/v1/auth/signin', { body: { email, password } }),
          s.request('POST', '/login_', { body: { username: email, password } }),
          s.request('POST', `${REALM}/app/x/auth/providers/local-userpass/login`, {
            body: { username: email, password },
          }),
        ])
        answers.forEach((r, face) => r.status >= 300 && failed.push(`${i}/${face}: ${r.status}`))
      }
      assert.deepEqual(failed, [], 'BROKEN: a correct password was refused because another login rehashed it')
    })
  })
}
