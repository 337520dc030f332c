import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createClient, isKeywardError } from '../src/index.js'
import { type Listening, STORES, listening, member } from './server.js'

for (const kind of STORES) {
  describe(`@keyward/client: the user lifecycle (${kind})`, () => {
    let l: Listening
    before(async () => {
      l = await listening(kind)
    })
    after(() => l.close())
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (isKeywardError(e) ? e.code : 'other'),
      )

    test('changePassword: wrong_password, then the other session ends and this one stays', async () => {
      const { client } = await member(l, `pw${kind}`)
      const other = createClient({ url: l.url })
      await other.auth.login({ email: `pw${kind}@example.com`, password: `pw${kind}-password-1` })
      const body = { current_password: 'wrong-one', new_password: 'another-password-2' }
      assert.equal(await code(client.auth.changePassword(body)), 'wrong_password')
      await client.auth.changePassword({ ...body, current_password: `pw${kind}-password-1` })
      assert.equal(await code(other.auth.whoami()), 'unauthorized')
      assert.equal((await client.auth.whoami()).user?.email, `pw${kind}@example.com`)
    })

    test('sessions.list marks the current session; sessions.end ends another', async () => {
      const { client } = await member(l, `ss${kind}`)
      const other = createClient({ url: l.url })
      await other.auth.login({ email: `ss${kind}@example.com`, password: `ss${kind}-password-1` })
      const list = await client.auth.sessions.list()
      assert.equal(list.length, 2)
      const target = list.find((s) => !s.current)!
      await client.auth.sessions.end(target.id)
      assert.equal(await code(other.auth.whoami()), 'unauthorized')
      assert.equal((await client.auth.sessions.list()).length, 1)
    })

    test('users: setRole, resetPassword, deactivate, reactivate, delete; last_admin refused', async () => {
      const { client, id } = await member(l, `ad${kind}`)
      assert.equal((await l.admin.users.setRole(id, 'admin')).role, 'admin')
      assert.equal((await l.admin.users.setRole(id, 'member')).role, 'member')
      assert.notEqual((await l.admin.users.deactivate(id)).deactivated_at, null)
      assert.equal(await code(client.auth.whoami()), 'unauthorized')
      const again = createClient({ url: l.url })
      const login = { email: `ad${kind}@example.com`, password: `ad${kind}-password-1` }
      assert.equal(await code(again.auth.login(login)), 'account_deactivated')
      assert.equal((await l.admin.users.reactivate(id)).deactivated_at, null)
      await l.admin.users.resetPassword(id, 'reset-password-3')
      await again.auth.login({ ...login, password: 'reset-password-3' })
      await l.admin.users.delete(id)
      assert.equal(await code(l.admin.users.get(id)), 'not_found')
      const me = (await l.admin.auth.whoami()).user!
      assert.equal(await code(l.admin.users.setRole(me.id, 'member')), 'last_admin')
    })
  })
}
