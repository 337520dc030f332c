import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { REALM } from '../security/fixture.js'

/**
 * Attacks: revoke {minted:true} reaching keys the caller cannot see; webhooks for another
 * owner or at loopback; keys of a deactivated user made (created / imported) after deactivation.
 */
for (const store of STORES) {
  describe(`attack: cascade, webhooks, lifecycle (${store})`, () => {
    let s: TestServer
    let admin: string
    let alice: { id: number; token: string }
    let bob: { id: number; token: string }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      alice = await s.member('alice', admin)
      bob = await s.member('bob', admin)
    })
    after(() => s.close())

    it("revoke {minted:true} from alice never reaches bob's keys made by the same admin key", async () => {
      const adminKey = await s.createKey(admin)
      const forAlice = await s.createKey(adminKey.key, { owner: { kind: 'user', id: alice.id } })
      const forBob = await s.createKey(adminKey.key, { owner: { kind: 'user', id: bob.id } })
      const r = await s.request('POST', `/v1/keys/${adminKey.id}/revoke`, {
        token: alice.token,
        body: { minted: true },
      })
      assert.equal(r.status, 404, `BROKEN: ${r.text}`)
      assert.equal((await s.verify(admin, forBob.key)).valid, true)
      assert.equal((await s.verify(admin, forAlice.key)).valid, true)
      const mine = await s.request('GET', `/v1/keys/${forAlice.id}`, { token: alice.token })
      assert.equal(mine.status, 200)
      // Alice's view does not name the admin key that made hers (test/attack/creator-key-visibility.test.ts).
      assert.equal(mine.body.created_by_key_id, null)
    })

    it('a member cannot make a webhook for another owner, nor at loopback/metadata addresses', async () => {
      const other = await s.request('POST', '/v1/webhooks', {
        token: alice.token,
        body: { url: 'https://example.com/hook', events: ['key.created'], owner: { kind: 'user', id: bob.id } },
      })
      assert.ok(other.status === 404 || other.status === 403, `BROKEN owner: ${other.status} ${other.text}`)
      for (const url of [
        'http://127.0.0.1:9/',
        'http://[::1]/',
        'http://[::ffff:127.0.0.1]/',
        'http://2130706433/',
        'http://0x7f.1/',
        'http://169.254.169.254/latest/meta-data/',
        'http://[::ffff:a9fe:a9fe]/',
        'http://0.0.0.0/',
      ]) {
        const r = await s.request('POST', '/v1/webhooks', {
          token: alice.token,
          body: { url, events: ['key.created'] },
        })
        assert.ok(r.status >= 400 && r.status < 500, `BROKEN ${url}: ${r.status} ${r.text}`)
      }
    })

    it('keys made for a deactivated user after deactivation do not verify, nor open a Realm session', async () => {
      const carol = await s.member('carol', admin)
      assert.equal((await s.request('POST', `/v1/users/${carol.id}/deactivate`, { token: admin })).status, 200)
      const owner = { kind: 'user', id: carol.id }
      const created = await s.request('POST', '/v1/keys', { token: admin, body: { name: 'late', owner } })
      const plaintext = `kw_attack_${randomBytes(24).toString('hex')}`
      const imported = await s.request('POST', '/v1/keys/import', {
        token: admin,
        body: { keys: [{ plaintext, owner }] },
      })
      for (const [what, r, key] of [
        ['create', created, created.body?.key],
        ['import', imported, plaintext],
      ] as const) {
        if (r.status >= 400) continue
        const v = await s.verify(admin, key)
        assert.notEqual(
          v.valid,
          true,
          `BROKEN ${what} for deactivated user: ${r.status} ${r.text} -> ${JSON.stringify(v)}`,
        )
        const realm = await s.request('POST', `${REALM}/app/kw/auth/providers/api-key/login`, { body: { key } })
        assert.notEqual(realm.status, 200, `BROKEN ${what}: Realm session ${realm.text}`)
      }
    })
  })
}
