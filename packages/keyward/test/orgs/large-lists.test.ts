import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { type Store, openStore } from '../../src/store/database.js'
import { bulkLoadUsers } from '../fixtures/bulk-keys.js'
import { STORES, TestServer } from '../helpers.js'

const MEMBER_FIELDS = ['created_at', 'email', 'role', 'user_id', 'username']

/**
 * An organization's members and invitations are listed unpaged: 20,000 members held the node's
 * event loop 170–260 ms, serialized in one piece (a tester's find). Over 500 rows the answer is
 * streamed in chunks a loop turn apart (http/json-stream.ts), with the same JSON.
 */
for (const store of STORES) {
  describe(`large organization lists are streamed, same JSON (${store})`, () => {
    let s: TestServer
    let st: Store
    let admin: string
    let orgId: number
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      await s.listen()
      const org = await s.request('POST', '/v1/organizations', {
        token: admin,
        body: { name: 'Big', handle: `big-${randomBytes(3).toString('hex')}` },
      })
      assert.equal(org.status, 201, org.text)
      orgId = org.body.id
      st = openStore(s.config.databaseUrl)
      const now = new Date().toISOString()
      const users = await bulkLoadUsers(st, 700)
      await st.db
        .insertInto('organization_membership')
        .values(
          users.map((u) => ({ organization_id: orgId, user_id: u.userId, role: 'member' as const, created_at: now })),
        )
        .execute()
      const later = new Date(Date.now() + 86_400_000).toISOString()
      await st.db
        .insertInto('organization_invitation')
        .values(
          Array.from({ length: 600 }, (_, i) => ({
            organization_id: orgId,
            email: `invited-${i}@example.com`,
            role: 'member' as const,
            token_hash: createHash('sha256').update(randomBytes(16)).digest('hex'),
            invited_by_user_id: null,
            invited_by_key_id: null,
            created_at: now,
            expires_at: later,
            accepted_at: null,
            accepted_by_user_id: null,
            revoked_at: null,
          })),
        )
        .execute()
    })
    after(async () => {
      await st?.close()
      await s?.close()
    })

    it('701 members (the owner and 700): chunked, each with its fields only, in one JSON', async () => {
      const r = await s.request('GET', `/v1/organizations/${orgId}/members`, { token: admin })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.headers['transfer-encoding'], 'chunked')
      assert.equal(r.body.members.length, 701)
      for (const m of r.body.members) assert.deepEqual(Object.keys(m).sort(), MEMBER_FIELDS)
      assert.equal(r.body.members.filter((m: { role: string }) => m.role === 'owner').length, 1)
      assert.equal(r.text, JSON.stringify(r.body))
    })

    it('600 invitations: chunked, no token or its hash among the fields', async () => {
      const r = await s.request('GET', `/v1/organizations/${orgId}/invitations`, { token: admin })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.headers['transfer-encoding'], 'chunked')
      assert.equal(r.body.invitations.length, 600)
      assert.doesNotMatch(r.text, /token/)
      assert.equal(r.text, JSON.stringify(r.body))
    })
  })
}
