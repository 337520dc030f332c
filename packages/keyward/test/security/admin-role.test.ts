import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { tryCreateAdmin } from './fixture.js'

// Finding 8: `users:write` is not admin. Only a credential with an admin's full
// rights (an admin session or an unscoped admin key) grants the admin role.
for (const store of STORES) {
  describe(`only a full admin credential makes admins (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('refuses role "admin" to an admin key scoped users:write (403), and no user is created', async () => {
      const k = await s.createKey(admin, { name: 'user-writer', scopes: ['users:write', 'users:read'] })
      assert.equal(await tryCreateAdmin(s, k.key, 'scoped'), 403)
      const users = await s.request('GET', '/v1/users', { token: admin })
      assert.ok(!users.body.users.some((u: any) => u.email === 'scoped@evil.example'))
    })

    it('still lets a users:write key create members, and full admin credentials create admins', async () => {
      const k = await s.createKey(admin, { name: 'user-writer-2', scopes: ['users:write'] })
      const m = await s.request('POST', '/v1/users', {
        token: k.key,
        body: { email: 'm@example.com', password: 'member-pass-1' },
      })
      assert.equal(m.status, 201, m.text)
      assert.equal(m.body.role, 'member')
      assert.equal(await tryCreateAdmin(s, admin, 'by-session'), 201)
      const unscoped = await s.createKey(admin, { name: 'admin-full' })
      assert.equal(await tryCreateAdmin(s, unscoped.key, 'by-full-key'), 201)
    })

    it('refuses any user creation to a member, whatever its scopes', async () => {
      const member = await s.member('mallory', admin)
      const k = await s.createKey(member.token, { name: 'mk', scopes: ['users:write'] })
      assert.equal(await tryCreateAdmin(s, member.token, 'm1'), 403)
      assert.equal(await tryCreateAdmin(s, k.key, 'm2'), 403)
    })
  })
}
