import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BACKENDS, Cluster, SKIP_NO_POSTGRES, within } from './cluster.js'

for (const backend of BACKENDS) {
  describe(`organization membership removal reaches every node (${backend} bus)`, { skip: SKIP_NO_POSTGRES }, () => {
    let c: Cluster
    before(async () => {
      c = await Cluster.start(2, backend)
    })
    after(() => c?.close())

    it("a member removed on node A loses, on node B within 1 s, their session and their key's view of the organization", async () => {
      const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]]
      const admin = await a.adminToken()
      const owner = await a.member('own', admin)
      const mem = await a.member('mem', admin)
      const org = await a.request('POST', '/v1/organizations', {
        token: owner.token,
        body: { name: 'Acme', handle: 'acme' },
      })
      const inv = await a.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
        token: owner.token,
        body: { email: 'mem@example.com', role: 'member' },
      })
      assert.equal(
        (await a.request('POST', '/v1/invitations/accept', { token: mem.token, body: { token: inv.body.token } }))
          .status,
        200,
      )
      const orgKey = await a.createKey(owner.token, { owner: { kind: 'organization', id: org.body.id } })
      const personal = await a.createKey(mem.token, { name: 'personal' })
      const sees = async (token: string) =>
        ((await b.request('GET', '/v1/keys', { token })).body.api_keys ?? []).some(
          (k: { id: number }) => k.id === orgKey.id,
        )
      // Node B caches the member's session, memberships and key first.
      assert.equal(await sees(mem.token), true)
      assert.equal(await sees(personal.key), true)

      const removed = await a.request('DELETE', `/v1/organizations/${org.body.id}/members/${mem.id}`, {
        token: owner.token,
      })
      assert.equal(removed.status, 204, removed.text)
      const ms = await within(
        1000,
        async () => (await b.request('GET', '/v1/auth/whoami', { token: mem.token })).status === 401,
        2,
      )
      const keyMs = await within(1000, async () => !(await sees(personal.key)), 2)
      assert.ok(ms < 1000 && keyMs < 1000, `session ${ms.toFixed(0)} ms, key ${keyMs.toFixed(0)} ms`)
      assert.equal((await b.verify(owner.token, orgKey.key)).valid, true, 'the organization key is untouched')
    })
  })
}
