import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'

/**
 * A password a key sets (a user it creates, a reset) is a login its holder knows: a credential the key
 * made. An admin's leaked key reset a member's password and created an account, and both logins outlived
 * `revoke {minted: true}` of the key (an attacker's find). They now end with it: the password is cleared
 * (an admin sets a new one) and the user's sessions end. A password an admin set since is the user's.
 */
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

for (const store of STORES) {
  describe(`passwords a key set end with it when it is revoked with what it made (${store})`, () => {
    const t = serverForSuite(store)
    let s: TestServer
    let admin: string
    before(() => ({ s, admin } = t))

    const login = (email: string, password: string) =>
      s.request('POST', '/v1/auth/login', { body: { email, password } })
    const revoke = (id: number, minted: boolean) =>
      s.request('POST', `/v1/keys/${id}/revoke`, { token: admin, body: { reason: 'leaked', minted } })

    it('the account a key created and the password it reset stop working, with their sessions', async () => {
      const leaked = await s.createKey(admin, { name: 'ksp-admin-key' })
      const made = await s.request('POST', '/v1/users', {
        token: leaked.key,
        body: { email: `ksp-mallory-${store}@example.com`, password: 'mallory-password-1' },
      })
      assert.equal(made.status, 201, made.text)
      const bob = await s.member(`ksp-bob-${store}`, admin)
      const reset = await s.request('POST', `/v1/users/${bob.id}/password`, {
        token: leaked.key,
        body: { new_password: 'taken-over-password-1' },
      })
      assert.equal(reset.status, 204, reset.text)
      const listed = await s.request('GET', `/v1/users?password_set_by_key_id=${leaked.id}`, { token: admin })
      assert.deepEqual(
        listed.body.users.map((u: any) => u.id).sort(),
        [bob.id, made.body.id].sort(),
        'the users whose password it chose are listed (what the revoke dialog counts)',
      )
      const member = await s.member(`ksp-viewer-${store}`, admin)
      const asMember = await s.request('GET', `/v1/users?password_set_by_key_id=${leaked.id}`, { token: member.token })
      assert.deepEqual(asMember.body.users, [], 'a member lists none')
      const session = await login(`ksp-bob-${store}@example.com`, 'taken-over-password-1')
      assert.equal(session.status, 200, 'the reset password works before the revoke')
      const whoami = () => s.request('GET', '/v1/auth/whoami', { token: session.body.access_token })
      assert.equal((await whoami()).status, 200, 'its session works before the revoke')

      const r = await revoke(leaked.id, true)
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.passwords_cleared, 2)
      assert.equal(
        (await login(`ksp-mallory-${store}@example.com`, 'mallory-password-1')).status,
        401,
        'BROKEN: the account the key made still signs in',
      )
      assert.equal(
        (await login(`ksp-bob-${store}@example.com`, 'taken-over-password-1')).status,
        401,
        'BROKEN: the password the key set still signs in',
      )
      assert.equal((await whoami()).status, 401, 'BROKEN: a session opened with that password lives on')
      const history = await s.request('GET', `/v1/audit?target_type=user&target_id=${bob.id}`, { token: admin })
      const cleared = history.body.events.find((e: any) => e.details?.cleared === true)
      assert.ok(cleared, 'the clearing is on the user history')
      assert.equal(cleared.details.root_key_id, leaked.id)
    })

    it("a key changing its own user's password chose it too", async () => {
      const email = `ksp-erin-${store}@example.com`
      const erin = await s.request('POST', '/v1/users', {
        token: admin,
        body: { email, password: 'erin-password-1', role: 'admin' },
      })
      assert.equal(erin.status, 201, erin.text)
      const own = await login(email, 'erin-password-1')
      const leaked = await s.createKey(own.body.access_token, { name: 'ksp-erin-key' })
      const changed = await s.request('POST', '/v1/auth/password', {
        token: leaked.key,
        body: { current_password: 'erin-password-1', new_password: 'attacker-password-2' },
      })
      assert.equal(changed.status, 204, changed.text)
      const r = await revoke(leaked.id, true)
      assert.equal(r.body.passwords_cleared, 1)
      assert.equal((await login(email, 'attacker-password-2')).status, 401, 'BROKEN: the password the key chose lives')
    })

    it('a reset or a new user racing the revoke of the key ends with it', async () => {
      // The key is checked, the password hashed (scrypt: milliseconds), then written: a revoke in between missed it.
      const survivors: string[] = []
      for (let i = 0; i < 10; i++) {
        const k = await s.createKey(admin, { name: `ksp-race-${i}` })
        const u = await s.member(`ksp-race-${i}-${store}`, admin)
        const email = `ksp-race-new-${i}-${store}@example.com`
        const [reset, made] = await Promise.all([
          s.request('POST', `/v1/users/${u.id}/password`, { token: k.key, body: { new_password: `race-pw-${i}-xyz` } }),
          s.request('POST', '/v1/users', { token: k.key, body: { email, password: `race-pw-${i}-new` } }),
          new Promise((res) => setTimeout(res, 5 + (i % 4) * 10)).then(() => revoke(k.id, true)),
        ])
        const signsIn = async (e: string, p: string) => (await login(e, p)).status === 200
        if (reset.status === 204 && (await signsIn(`ksp-race-${i}-${store}@example.com`, `race-pw-${i}-xyz`)))
          survivors.push(`reset ${i}`)
        if (made.status === 201 && (await signsIn(email, `race-pw-${i}-new`))) survivors.push(`created ${i}`)
      }
      assert.deepEqual(survivors, [], 'BROKEN: a password chosen during the revoke outlived it')
    })

    it('a key cannot cut the line to a password by deleting the key that chose it', async () => {
      const leaked = await s.createKey(admin, { name: 'ksp-cut-leaked' })
      const child = await s.createKey(leaked.key, { name: 'ksp-cut-child' })
      const frank = await s.member(`ksp-frank-${store}`, admin)
      const gina = await s.member(`ksp-gina-${store}`, admin)
      const set = (token: string, id: number, pw: string) =>
        s.request('POST', `/v1/users/${id}/password`, { token, body: { new_password: pw } })
      assert.equal((await set(child.key, frank.id, 'cut-password-1')).status, 204)
      assert.equal((await set(leaked.key, gina.id, 'cut-password-2')).status, 204)
      const del = (id: number) => s.request('DELETE', `/v1/keys/${id}`, { token: leaked.key })
      assert.equal((await del(child.id)).status, 409, 'BROKEN: the child that chose a password was deleted')
      assert.equal((await del(leaked.id)).status, 409, 'BROKEN: the key deleted itself and its line')
      const r = await revoke(leaked.id, true)
      assert.equal(r.body.passwords_cleared, 2)
      assert.equal((await login(`ksp-frank-${store}@example.com`, 'cut-password-1')).status, 401)
      assert.equal((await login(`ksp-gina-${store}@example.com`, 'cut-password-2')).status, 401)
    })

    it('a login racing the revoke opens no session that outlives it', async () => {
      // The login checks the password (scrypt: milliseconds), then stores the session: a revoke clearing the
      // password and ending the sessions in between missed the one stored after it (an attacker's find).
      const survivors: number[] = []
      let opened = 0
      for (let i = 0; i < 6; i++) {
        const leaked = await s.createKey(admin, { name: `ksp-login-race-${i}` })
        const u = await s.member(`ksp-lr-${i}-${store}`, admin)
        const email = `ksp-lr-${i}-${store}@example.com`
        const password = `login-race-password-${i}`
        const set = await s.request('POST', `/v1/users/${u.id}/password`, {
          token: leaked.key,
          body: { new_password: password },
        })
        assert.equal(set.status, 204, set.text)
        let done = false
        const tokens: string[] = []
        const loop = async () => {
          for (let r = await login(email, password); r.status === 200; r = await login(email, password)) {
            tokens.push(r.body.access_token) // also one that answers after the revoke: it raced it
            if (done) return
          }
        }
        const loops = [loop(), loop()]
        // Once a login got through (however slow the machine), the loops' next logins are in flight.
        for (let waited = 0; tokens.length === 0 && waited < 10_000; waited += 5) await sleep(5)
        await sleep((i % 3) * 7)
        assert.equal((await revoke(leaked.id, true)).status, 200)
        done = true
        await Promise.all(loops)
        opened += tokens.length
        for (const token of tokens)
          if ((await s.request('GET', '/v1/auth/whoami', { token })).status === 200) survivors.push(i)
      }
      assert.ok(opened > 0, 'the password signed in until the revoke')
      assert.deepEqual(survivors, [], 'BROKEN: a session opened during the revoke outlived it')
    })

    // A change through a login of the key's password is the key's too (`password-session-line.test.ts`): whoever
    // changed it knew the one the key chose.
    it('a password an admin set since, and a plain revoke, are left alone', async () => {
      const leaked = await s.createKey(admin, { name: 'ksp-admin-key-2' })
      const carol = await s.member(`ksp-carol-${store}`, admin)
      const email = `ksp-carol-${store}@example.com`
      await s.request('POST', `/v1/users/${carol.id}/password`, {
        token: leaked.key,
        body: { new_password: 'set-by-key-1' },
      })
      const changed = await s.request('POST', `/v1/users/${carol.id}/password`, {
        token: admin,
        body: { new_password: 'carol-own-password-2' },
      })
      assert.equal(changed.status, 204, changed.text)
      const dave = await s.member(`ksp-dave-${store}`, admin)
      const other = await s.createKey(admin, { name: 'ksp-admin-key-3' })
      await s.request('POST', `/v1/users/${dave.id}/password`, {
        token: other.key,
        body: { new_password: 'set-by-key-3' },
      })

      assert.equal((await revoke(leaked.id, true)).body.passwords_cleared, 0)
      assert.equal((await login(email, 'carol-own-password-2')).status, 200, "the user's own password works")
      // The revoking admin's own password, chosen through the key, is not kept: `password-session-line.test.ts`.
      const plain = await revoke(other.id, false)
      assert.equal(plain.body.passwords_cleared, undefined)
      assert.equal(
        (await login(`ksp-dave-${store}@example.com`, 'set-by-key-3')).status,
        200,
        'a plain revoke ends the key only',
      )
    })
  })
}
