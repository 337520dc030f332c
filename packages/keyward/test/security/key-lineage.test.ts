import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer, serverForSuite } from '../helpers.js'
import { REALM, realmSession, verifies } from './fixture.js'

// A key with `keys:write` that leaks can be used to mint keys that survive its revocation.
// Keys record the key they were made with, and revoking with `minted: true` ends the whole
// line: what the key made (natively or through a session opened with it), and what those made.
for (const store of STORES) {
  describe(`a key's descendants are recorded and end with it on request (${store})`, () => {
    let s: TestServer
    let admin: string
    let root: { key: string; id: number }
    let child: { key: string; id: number; record: any }
    let grandchild: { key: string; id: number; record: any }
    let viaRealm: number
    let bySession: { key: string; id: number; record: any }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      // Full rights, so that the Realm face (whose keys have no scopes) may mint with it too.
      root = await s.createKey(admin, { name: 'ci-root' })
      child = await s.createKey(root.key, { name: 'child', scopes: ['keys:write', 'keys:read'] })
      grandchild = await s.createKey(child.key, { name: 'grandchild', scopes: ['keys:read'] })
      const rt = await realmSession(s, root.key)
      const realm = await s.request('POST', `${REALM}/auth/api_keys`, { token: rt, body: { name: 'via-realm' } })
      assert.equal(realm.status, 201, realm.text)
      viaRealm = parseInt(realm.body._id as string, 16)
      bySession = await s.createKey(admin, { name: 'by-session', scopes: ['keys:read'] })
    })
    after(() => s.close())

    it('records the key each key was made with (null for a password session)', async () => {
      assert.equal(child.record.created_by_key_id, root.id)
      assert.equal(grandchild.record.created_by_key_id, child.id)
      assert.equal(bySession.record.created_by_key_id, null)
      const realmKey = await s.request('GET', `/v1/keys/${viaRealm}`, { token: admin })
      assert.equal(realmKey.body.created_by_key_id, root.id, 'a Realm session opened with the root key')
      const made = await s.request('GET', `/v1/keys?created_by_key_id=${root.id}`, { token: admin })
      assert.deepEqual(made.body.api_keys.map((k: any) => k.id).sort(), [child.id, viaRealm].sort())
    })

    it('revokes without touching descendants unless asked', async () => {
      const other = await s.createKey(admin, { name: 'other-root', scopes: ['keys:write', 'keys:read'] })
      const made = await s.createKey(other.key, { name: 'made-by-other', scopes: ['keys:read'] })
      const r = await s.request('POST', `/v1/keys/${other.id}/revoke`, { token: admin, body: {} })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.minted_revoked, 0, 'only what a rolled-away secret made in a running grace period goes')
      assert.ok(await verifies(s, admin, made.key))
    })

    it('with minted: true revokes the whole line, audited per key, and nothing else', async () => {
      const r = await s.request('POST', `/v1/keys/${root.id}/revoke`, {
        token: admin,
        body: { reason: 'leaked in CI logs', minted: true },
      })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.status, 'revoked')
      assert.equal(r.body.minted_revoked, 3)
      for (const k of [root, child, grandchild]) {
        assert.equal((await s.verify(admin, k.key)).code, 'REVOKED')
      }
      const realmKey = await s.request('GET', `/v1/keys/${viaRealm}`, { token: admin })
      assert.equal(realmKey.body.status, 'revoked')
      assert.match(realmKey.body.revoked_reason, /made from a key revoked with what it made: leaked in CI logs/)
      assert.ok(await verifies(s, admin, bySession.key), 'a key made with a password session is not in the line')
      const audit = await s.request('GET', `/v1/audit?target_id=${grandchild.id}`, { token: admin })
      const entry = audit.body.events.find((e: any) => e.action === 'key.revoke')
      assert.equal(entry?.details.root_key_id, root.id)
      assert.equal(entry?.details.created_by_key_id, child.id)
      // Each key of the line has its `key.revoked` event (webhooks deliver from these), once, showing it revoked:
      // a cascade of 22,501 keys delivered 1 (a tester's find).
      const events = await s.kw.services.store.db
        .selectFrom('key_event')
        .select(['key_id', 'data'])
        .where('type', '=', 'key.revoked')
        .where('key_id', 'in', [root.id, child.id, grandchild.id, viaRealm])
        .orderBy('key_id')
        .execute()
      assert.deepEqual(
        events.map((e) => e.key_id),
        [root.id, child.id, grandchild.id, viaRealm].sort((a, b) => a - b),
      )
      for (const e of events) assert.equal(JSON.parse(e.data).status, 'revoked')
    })

    it('can be re-run on a revoked key to finish a cut-short cascade', async () => {
      const again = await s.request('POST', `/v1/keys/${root.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(again.status, 200, again.text)
      assert.equal(again.body.minted_revoked, 0)
      const events = await s.kw.services.store.db
        .selectFrom('key_event')
        .select('key_id')
        .where('type', '=', 'key.revoked')
        .where('key_id', '=', grandchild.id)
        .execute()
      assert.equal(events.length, 1, 'no second event for a key already revoked')
    })

    it("records on the key's own history how many keys it ended with it, revoked before or not", async () => {
      const top = await s.createKey(admin, { name: 'leaked-later' })
      await s.createKey(top.key, { name: 'made-by-leaked' })
      assert.equal((await s.request('POST', `/v1/keys/${top.id}/revoke`, { token: admin, body: {} })).status, 200)
      const r = await s.request('POST', `/v1/keys/${top.id}/revoke`, {
        token: admin,
        body: { minted: true, reason: 'leak' },
      })
      assert.equal(r.body.minted_revoked, 1)
      const history = await s.request('GET', `/v1/audit?target_type=api_key&target_id=${top.id}`, { token: admin })
      assert.deepEqual(
        history.body.events.map((e: any) => [e.action, e.details.minted_revoked ?? null, e.details.reason ?? null]),
        [
          ['key.revoke_minted', 1, 'leak'],
          ['key.revoke', null, null],
          ['key.create', null, null],
        ],
      )
    })
  })

  describe(`a revoked key produces nothing, even before the cache hears of it (${store})`, () => {
    const suite = serverForSuite(store)

    it('refuses a create with a key revoked in the store while its cache entry still says valid (401)', async () => {
      const { s, admin } = suite
      // The cache is cleared when the bus comes up (on PostgreSQL, shortly after start): a clear between the two
      // verifications re-reads the revoke, and the create then proves nothing. Such a try is made again.
      const staleKey = async (attempt: number) => {
        const k = await s.createKey(admin, { name: `stale-${attempt}`, scopes: ['keys:write', 'keys:read'] })
        assert.ok(await verifies(s, admin, k.key), 'cached as valid')
        // What another node's revoke looks like here before its bus message arrives.
        await s.kw.services.store.db
          .updateTable('api_key')
          .set({ revoked_at: new Date().toISOString() })
          .where('id', '=', k.id)
          .execute()
        return (await verifies(s, admin, k.key)) ? k : undefined
      }
      let k: { key: string } | undefined
      for (let attempt = 0; !k && attempt < 5; attempt++) k = await staleKey(attempt)
      assert.ok(k, 'the cache has not heard of it (in one of 5 tries)')
      const r = await s.request('POST', '/v1/keys', { token: k.key, body: { name: 'late', scopes: ['keys:read'] } })
      assert.equal(r.status, 401, r.text)
    })
  })
}
