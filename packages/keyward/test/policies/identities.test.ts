import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { IdentityAccess } from '../../src/services/policies/identity-access.js'
import { openStore } from '../../src/store/database.js'
import { bulkLoadKeys } from '../fixtures/bulk-keys.js'
import { STORES, TestServer } from '../helpers.js'

for (const store of STORES) {
  describe(`identities (${store})`, () => {
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

    const create = (token: string, body: Record<string, unknown>) =>
      s.request('POST', '/v1/identities', { token, body })
    const verify = async (body: Record<string, unknown>) =>
      (await s.request('POST', '/v1/keys/verify', { token: admin, body })).body

    it('creates, reads, finds by external_id, updates and deletes; external_id is unique per owner', async () => {
      const r = await create(alice.token, {
        external_id: 'cust_1',
        meta: { plan: 'pro' },
        ratelimits: [{ name: 'requests', limit: 5, window_s: 60, auto_apply: true }],
      })
      assert.equal(r.status, 201)
      assert.equal(r.body.external_id, 'cust_1')
      assert.deepEqual(r.body.ratelimits, [{ name: 'requests', limit: 5, window_s: 60, auto_apply: true }])
      const id = r.body.id as number
      assert.equal((await create(alice.token, { external_id: 'cust_1' })).status, 409)
      assert.equal((await create(bob.token, { external_id: 'cust_1' })).status, 201, 'another owner may reuse it')
      const found = await s.request('GET', '/v1/identities?external_id=cust_1', { token: alice.token })
      assert.deepEqual(
        found.body.identities.map((i: { id: number }) => i.id),
        [id],
      )
      const patched = await s.request('PATCH', `/v1/identities/${id}`, {
        token: alice.token,
        body: { remaining: 3, meta: { plan: 'team' } },
      })
      assert.equal(patched.status, 200)
      assert.equal(patched.body.remaining, 3)
      assert.equal((await s.request('DELETE', `/v1/identities/${id}`, { token: alice.token })).status, 204)
      assert.equal((await s.request('GET', `/v1/identities/${id}`, { token: alice.token })).status, 404)
    })

    it("answers 404 for another tenant's identity on every route, and never lists it", async () => {
      const theirs = (await create(bob.token, { external_id: 'bob-secret' })).body.id as number
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { remaining: 1 }],
        ['DELETE', undefined],
      ] as const) {
        const r = await s.request(method, `/v1/identities/${theirs}`, { token: alice.token, body })
        assert.equal(r.status, 404, method)
      }
      const list = await s.request('GET', '/v1/identities?external_id=bob-secret', { token: alice.token })
      assert.deepEqual(list.body.identities, [])
      const link = await s.request('POST', '/v1/keys', {
        token: alice.token,
        body: { name: 'steal', identity_id: theirs },
      })
      assert.equal(link.status, 404, 'a member cannot link a key to an identity they do not own')
      const mine = await s.createKey(alice.token)
      const patch = await s.request('PATCH', `/v1/keys/${mine.id}`, {
        token: alice.token,
        body: { identity_id: theirs },
      })
      assert.equal(patch.status, 404)
    })

    it('checks the identity limits shared by all its keys, all of which must pass, listed with `on`', async () => {
      const ident = (
        await create(alice.token, {
          external_id: 'shared',
          ratelimits: [{ name: 'requests', limit: 3, window_s: 60, auto_apply: true }],
        })
      ).body.id as number
      const k1 = await s.createKey(alice.token, { identity_id: ident })
      const k2 = await s.createKey(alice.token, {
        identity_id: ident,
        ratelimits: [{ name: 'requests', limit: 100, window_s: 60, auto_apply: true }],
      })
      assert.equal(k1.record.identity_id, ident)
      const codes = []
      for (const k of [k1, k2, k1, k2]) codes.push((await verify({ key: k.key })).code)
      assert.deepEqual(codes, ['VALID', 'VALID', 'VALID', 'RATE_LIMITED'])
      const last = await verify({ key: k2.key })
      assert.deepEqual(
        last.ratelimits.map((l: { name: string; on: string; remaining: number }) => [l.name, l.on, l.remaining]),
        [
          ['requests', 'key', 99],
          ['requests', 'identity', 0],
        ],
        "the key's own limit was not charged for requests its identity refused",
      )
      const listed = await s.request('GET', `/v1/keys?identity_id=${ident}`, { token: alice.token })
      assert.equal(listed.body.total, 2)
    })

    it("takes credits from the identity when it has them, and from the key's own as well", async () => {
      const ident = (await create(alice.token, { external_id: 'credits', remaining: 5 })).body.id as number
      const a = await s.createKey(alice.token, { identity_id: ident })
      const b = await s.createKey(alice.token, { identity_id: ident, remaining: 1 })
      assert.equal((await verify({ key: a.key, cost: 3 })).remaining, 2)
      assert.equal((await verify({ key: b.key })).remaining, 0, 'the smaller budget left is answered')
      const refusedByKey = await verify({ key: b.key })
      assert.equal(refusedByKey.code, 'USAGE_EXCEEDED')
      const got = await s.request('GET', `/v1/identities/${ident}`, { token: alice.token })
      assert.equal(got.body.remaining, 1, "a refusal by the key's budget gives the identity's credit back")
      assert.equal((await verify({ key: a.key, cost: 2 })).code, 'USAGE_EXCEEDED')
    })

    it('applies an identity change to cached keys at once, and unlinks keys when the identity goes', async () => {
      const ident = (await create(alice.token, { external_id: 'live' })).body.id as number
      const k = await s.createKey(alice.token, { identity_id: ident })
      assert.equal((await verify({ key: k.key })).code, 'VALID')
      await s.request('PATCH', `/v1/identities/${ident}`, { token: alice.token, body: { remaining: 0 } })
      assert.equal((await verify({ key: k.key })).code, 'USAGE_EXCEEDED')
      await s.request('DELETE', `/v1/identities/${ident}`, { token: alice.token })
      assert.equal((await verify({ key: k.key })).code, 'VALID')
      assert.equal((await s.request('GET', `/v1/keys/${k.id}`, { token: alice.token })).body.identity_id, null)
    })

    /**
     * An identity's deletion unlinks its keys in chunks (one UPDATE of 25,000 held SQLite's loop
     * 140–300 ms), and a change of its limits evicts them in chunks: every chunk is done, the last
     * key's cache entry included.
     */
    it('with 2,300 keys: a change of its limits reaches the last key, and its deletion unlinks every one', async () => {
      const ident = (await create(alice.token, { external_id: 'large', remaining: 0 })).body.id as number
      const st = openStore(s.config.databaseUrl)
      try {
        await bulkLoadKeys(st, {
          total: 2300,
          memberKeys: 2300,
          memberUserId: alice.id,
          userKeyShare: 1,
          otherUsers: 1,
        })
        await st.db.updateTable('api_key').set({ identity_id: ident }).where('identity_id', 'is', null).execute()
      } finally {
        await st.close()
      }
      const last = await s.createKey(alice.token, { identity_id: ident })
      assert.equal((await verify({ key: last.key })).code, 'USAGE_EXCEEDED')
      await s.request('PATCH', `/v1/identities/${ident}`, { token: alice.token, body: { remaining: 10 } })
      assert.equal((await verify({ key: last.key })).code, 'VALID', 'the new credits reached the cached key')
      await s.request('PATCH', `/v1/identities/${ident}`, { token: alice.token, body: { remaining: 0 } })
      assert.equal((await verify({ key: last.key })).code, 'USAGE_EXCEEDED')
      const gone = await s.request('DELETE', `/v1/identities/${ident}`, { token: alice.token })
      assert.equal(gone.status, 204, gone.text)
      assert.equal((await verify({ key: last.key })).code, 'VALID', 'unlinked, and its cache entry dropped')
      const linked = await s.request('GET', `/v1/keys?identity_id=${ident}&limit=1`, { token: alice.token })
      assert.equal(linked.body.total, 0)
    })

    it('keeps a derived key in its identity, and forbids a key to change or delete the identity binding it', async () => {
      const ident = (
        await create(alice.token, {
          external_id: 'bound',
          ratelimits: [{ name: 'requests', limit: 10, window_s: 60, auto_apply: true }],
        })
      ).body.id as number
      const parent = await s.createKey(alice.token, { identity_id: ident, scopes: ['keys:write', 'keys:read'] })
      const child = await s.request('POST', '/v1/keys', {
        token: parent.key,
        body: { name: 'child', scopes: ['keys:read'] },
      })
      assert.equal(child.status, 201)
      assert.equal(child.body.api_key.identity_id, ident, 'the child inherits the identity')
      const escape = await s.request('POST', '/v1/keys', {
        token: parent.key,
        body: { name: 'escape', scopes: ['keys:read'], identity_id: null },
      })
      assert.equal(escape.status, 403)
      const unlink = await s.request('PATCH', `/v1/keys/${child.body.api_key.id}`, {
        token: parent.key,
        body: { identity_id: null },
      })
      assert.equal(unlink.status, 403)
      for (const [method, body] of [
        ['PATCH', { ratelimits: [] }],
        ['DELETE', undefined],
      ] as const) {
        const r = await s.request(method, `/v1/identities/${ident}`, { token: parent.key, body })
        assert.equal(r.status, 403, method)
      }
      const rolled = await s.request('POST', `/v1/keys/${parent.id}/roll`, { token: alice.token, body: {} })
      assert.equal(rolled.body.api_key.identity_id, ident, 'a rolled key keeps its identity')
    })

    it('a PATCH linking a key to an identity deleted meanwhile answers 409 and links nothing (a reviewer: 500 on SQLite)', async () => {
      const ident = (await create(alice.token, { external_id: 'gone-before-link' })).body.id as number
      const key = await s.createKey(alice.token, {})
      const access = (s.kw.services.keys as unknown as { identities: IdentityAccess }).identities
      const check = access.requireLinkable.bind(access)
      access.requireLinkable = async (...args) => {
        await check(...args)
        assert.equal((await s.request('DELETE', `/v1/identities/${ident}`, { token: alice.token })).status, 204)
      }
      try {
        const r = await s.request('PATCH', `/v1/keys/${key.id}`, { token: alice.token, body: { identity_id: ident } })
        assert.equal(r.status, 409, `BROKEN: ${r.status} ${r.text}`)
      } finally {
        access.requireLinkable = check
      }
      const after = await s.request('GET', `/v1/keys/${key.id}`, { token: alice.token })
      assert.equal(after.body.identity_id, null)
    })

    it('records audit events for identity writes', async () => {
      const id = (await create(alice.token, { external_id: 'audited' })).body.id as number
      await s.request('DELETE', `/v1/identities/${id}`, { token: alice.token })
      const trail = await s.request('GET', '/v1/audit', { token: alice.token })
      const actions = trail.body.events
        .filter(
          (e: { target_id: string; target_type: string }) => e.target_type === 'identity' && e.target_id === String(id),
        )
        .map((e: { action: string }) => e.action)
      assert.deepEqual(actions.sort(), ['identity.create', 'identity.delete'])
    })
  })
}
