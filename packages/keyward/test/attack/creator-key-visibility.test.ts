import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { Receiver, until } from '../webhooks/receiver.js'

/**
 * `created_by_key_id` names the key whose holder made a key. A member whose key an admin's key
 * made must not learn that key's id (nor confirm it through the `created_by_key_id` filter):
 * they see null. The admin, and a member reading a key made with one of their own keys, see it.
 */
for (const store of STORES) {
  describe(`attack: created_by_key_id names a key its reader cannot see (${store})`, () => {
    let s: TestServer
    let admin: string
    let alice: { id: number; token: string }
    let adminKey: { key: string; id: number }
    let forAlice: { key: string; id: number }
    before(async () => {
      s = await TestServer.start(store, { env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1' } })
      admin = await s.adminToken()
      alice = await s.member('alice', admin)
      adminKey = await s.createKey(admin)
      forAlice = await s.createKey(adminKey.key, { owner: { kind: 'user', id: alice.id } })
    })
    after(() => s.close())

    it('GET, list and whoami show null to the member, the id to the admin', async () => {
      const mine = await s.request('GET', `/v1/keys/${forAlice.id}`, { token: alice.token })
      assert.equal(mine.status, 200, mine.text)
      assert.equal(mine.body.created_by_key_id, null)
      const listed = await s.request('GET', '/v1/keys', { token: alice.token })
      const row = listed.body.api_keys.find((k: { id: number }) => k.id === forAlice.id)
      assert.equal(row.created_by_key_id, null)
      const who = await s.request('GET', '/v1/auth/whoami', { token: forAlice.key })
      assert.equal(who.status, 200, who.text)
      assert.equal(who.body.api_key.created_by_key_id, null, 'the key itself does not learn its maker')
      const seen = await s.request('GET', `/v1/keys/${forAlice.id}`, { token: admin })
      assert.equal(seen.body.created_by_key_id, adminKey.id)
    })

    it('every write answer of the member shows null too', async () => {
      const path = `/v1/keys/${forAlice.id}`
      const answers = [
        await s.request('PATCH', path, { token: alice.token, body: { description: 'mine' } }),
        await s.request('POST', `${path}/disable`, { token: alice.token }),
        await s.request('POST', `${path}/enable`, { token: alice.token }),
      ]
      for (const r of answers) {
        assert.equal(r.status, 200, r.text)
        assert.equal(r.body.created_by_key_id, null)
      }
    })

    it('the created_by_key_id filter on a key the member cannot see finds nothing', async () => {
      const r = await s.request('GET', `/v1/keys?created_by_key_id=${adminKey.id}`, { token: alice.token })
      assert.equal(r.status, 200, r.text)
      assert.deepEqual(r.body.api_keys, [])
      assert.equal(r.body.total, 0)
      const all = await s.request('GET', `/v1/keys?created_by_key_id=${adminKey.id}`, { token: admin })
      assert.deepEqual(
        all.body.api_keys.map((k: { id: number }) => k.id),
        [forAlice.id],
      )
    })

    it('webhook events name the maker only to a receiver who may see it (real receivers)', async () => {
      const [rxAlice, rxAdmin] = [await Receiver.start('ok'), await Receiver.start('ok')]
      try {
        for (const [token, rx] of [
          [alice.token, rxAlice],
          [admin, rxAdmin],
        ] as const) {
          const r = await s.request('POST', '/v1/webhooks', { token, body: { url: rx.url, events: ['key.updated'] } })
          assert.equal(r.status, 201, r.text)
        }
        const patched = await s.request('PATCH', `/v1/keys/${forAlice.id}`, {
          token: admin,
          body: { description: 'seen by both' },
        })
        assert.equal(patched.status, 200, patched.text)
        s.kw.services.webhookDispatcher.poke()
        const got = (rx: Receiver) => rx.events().find((e) => e.data.description === 'seen by both')
        await until(() => got(rxAlice) !== undefined && got(rxAdmin) !== undefined, 10_000, 'both deliveries')
        assert.equal(got(rxAlice)!.data.created_by_key_id, null)
        assert.equal(got(rxAdmin)!.data.created_by_key_id, adminKey.id)
      } finally {
        await rxAlice.close()
        await rxAdmin.close()
      }
    })

    it('the audit entries of a cascade name the maker only to a reader who may see it', async () => {
      // Another admin key, its own key for alice, and the cascade that revokes it with its maker.
      const maker = await s.createKey(admin)
      const made = await s.createKey(maker.key, { owner: { kind: 'user', id: alice.id } })
      const r = await s.request('POST', `/v1/keys/${maker.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      const entry = async (token: string) => {
        const a = await s.request('GET', `/v1/audit?action=key.revoke&target_id=${made.id}`, { token })
        assert.equal(a.status, 200, a.text)
        assert.equal(a.body.events.length, 1)
        return a.body.events[0].details
      }
      const seenByAlice = await entry(alice.token)
      assert.equal(seenByAlice.created_by_key_id, null, 'BROKEN: the audit named a maker GET hides')
      assert.equal(seenByAlice.root_key_id, null, 'BROKEN: the audit named the revoked root key')
      assert.ok(seenByAlice.reason, 'the reason stays')
      const seenByAdmin = await entry(admin)
      assert.equal(seenByAdmin.created_by_key_id, maker.id)
      assert.equal(seenByAdmin.root_key_id, maker.id)
    })

    it('the audit names the key an action came through (via_key_id) only to a reader who may see it', async () => {
      const created = async (token: string) => {
        const a = await s.request('GET', `/v1/audit?action=key.create&target_id=${forAlice.id}`, { token })
        assert.equal(a.status, 200, a.text)
        assert.equal(a.body.events.length, 1)
        return a.body.events[0].details
      }
      assert.equal((await created(alice.token)).via_key_id, null, "BROKEN: the audit named the admin's key")
      assert.equal((await created(admin)).via_key_id, adminKey.id)
      // Her own key's id, on what she did with it, she reads.
      const own = { token: forAlice.key, body: { description: 'through her key' } }
      assert.equal((await s.request('PATCH', `/v1/keys/${forAlice.id}`, own)).status, 200)
      const a = await s.request('GET', `/v1/audit?action=key.update&target_id=${forAlice.id}`, { token: alice.token })
      assert.equal(a.body.events[0].details.via_key_id, forAlice.id)
    })

    it('a key made with the member’s own key names it', async () => {
      const child = await s.createKey(forAlice.key)
      assert.equal(child.record.created_by_key_id, forAlice.id)
      const r = await s.request('GET', `/v1/keys/${child.id}`, { token: alice.token })
      assert.equal(r.body.created_by_key_id, forAlice.id)
      const made = await s.request('GET', `/v1/keys?created_by_key_id=${forAlice.id}`, { token: alice.token })
      assert.deepEqual(
        made.body.api_keys.map((k: { id: number }) => k.id),
        [child.id],
      )
    })
  })
}
