import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

/**
 * Attack: a rolled-away admin secret in its grace period (or any expiring admin key) mints
 * something that outlives it: an imported key without expiry, or a password it knows for an
 * existing member, whose login session then lives past the grace period.
 */
for (const store of STORES) {
  describe(`attack: grace-period secret mints past its end (${store})`, () => {
    let s: TestServer
    let admin: string
    let old: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      const k = await s.createKey(admin, { name: 'ci' })
      old = k.key
      const rolled = await s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin, body: { grace_period_s: 3600 } })
      assert.equal(rolled.status, 200, rolled.text)
    })
    after(() => s.close())

    it('cannot import a key without expiry (native and Unkey bodies)', async () => {
      const plaintext = `kw_attack_${randomBytes(24).toString('hex')}`
      const r = await s.request('POST', '/v1/keys/import', { token: old, body: { keys: [{ plaintext }] } })
      assert.equal(r.status, 403, `BROKEN: ${r.status} ${r.text}`)
      const u = await s.request('POST', '/v1/keys/import', {
        token: old,
        body: { migrationId: 'mig', apiId: 'api_1', keys: [{ hash: randomBytes(32).toString('hex') }] },
      })
      assert.equal(u.status, 403, `BROKEN (unkey): ${u.status} ${u.text}`)
    })

    it("cannot set a member's password (a login that outlives the grace period)", async () => {
      const victim = await s.member('victim', admin)
      const r = await s.request('POST', `/v1/users/${victim.id}/password`, {
        token: old,
        body: { new_password: 'attacker-password-1' },
      })
      const login = await s.request('POST', '/v1/auth/login', {
        body: { email: 'victim@example.com', password: 'attacker-password-1' },
      })
      assert.equal(
        r.status === 204 && login.status === 200,
        false,
        `BROKEN: POST /v1/users/${victim.id}/password with the rolled-away secret -> ${r.status}; ` +
          `login -> ${login.status} (session expires_in ${login.body?.expires_in}, refresh ${login.body?.refresh_token ? 'yes' : 'no'})`,
      )
    })

    it('cannot create a user with a password it chose', async () => {
      const r = await s.request('POST', '/v1/users', {
        token: old,
        body: { email: 'sleeper@example.com', password: 'sleeper-password-1' },
      })
      assert.notEqual(r.status, 201, `BROKEN: POST /v1/users with the rolled-away secret -> ${r.status} ${r.text}`)
    })
    it("an ip-restricted, expiring, users:write-scoped admin key cannot set a member's password either", async () => {
      const bounded = await s.createKey(admin, {
        scopes: ['users:write'],
        expires_at: new Date(Date.now() + 600_000).toISOString(),
        restrictions: { ip_allow: ['127.0.0.1/32'] },
      })
      const victim = await s.member('victim2', admin)
      const r = await s.request('POST', `/v1/users/${victim.id}/password`, {
        token: bounded.key,
        body: { new_password: 'attacker-password-2' },
      })
      const login = await s.kw.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        remoteAddress: '203.0.113.9',
        payload: { email: 'victim2@example.com', password: 'attacker-password-2' },
      })
      assert.equal(
        r.status === 204 && login.statusCode === 200,
        false,
        `BROKEN: bounded key reset the password (${r.status}); login from 203.0.113.9 -> ${login.statusCode}`,
      )
    })
  })
}
