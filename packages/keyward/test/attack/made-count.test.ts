import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'

/**
 * `GET /v1/keys/:id/made` counts what `revoke {minted: true}` would end, for the caller: the offer the dashboard makes
 * from it. It counted from listings a member cannot make (users), so a demoted member whose old admin key had chosen
 * a password was offered nothing, though the revoke clears it (a reviewer's find). The count must equal what the
 * revoke then does, and answer only whoever may revoke the key.
 */
for (const store of STORES) {
  describe(`what a revoke with what the key made would end, counted before (${store})`, () => {
    const t = serverForSuite(store)
    let s: TestServer
    let admin: string
    before(() => ({ s, admin } = t))

    const made = (id: number, token: string) => s.request('GET', `/v1/keys/${id}/made`, { token })
    const setPassword = (token: string, id: number, pw: string) =>
      s.request('POST', `/v1/users/${id}/password`, { token, body: { new_password: pw } })

    it("counts the line's keys and passwords as the revoke ends them, for a demoted member too", async () => {
      const dana = await s.request('POST', '/v1/users', {
        token: admin,
        body: { email: `mc-dana-${store}@example.com`, password: 'dana-password-1', role: 'admin' },
      })
      const danaToken = await s.login(`mc-dana-${store}@example.com`, 'dana-password-1')
      const k = await s.createKey(danaToken, { name: 'mc-dana-admin-key' })
      const child = await s.createKey(k.key, { name: 'mc-child' })
      await s.createKey(child.key, { name: 'mc-grandchild' })
      const revokedChild = await s.createKey(k.key, { name: 'mc-revoked-child' })
      await s.request('POST', `/v1/keys/${revokedChild.id}/revoke`, { token: admin, body: {} })
      const bob = await s.member(`mc-bob-${store}`, admin)
      const carl = await s.member(`mc-carl-${store}`, admin)
      assert.equal((await setPassword(k.key, bob.id, 'bob-by-key-1')).status, 204)
      assert.equal((await setPassword(child.key, carl.id, 'carl-by-key-1')).status, 204)
      const asAdmin = await made(k.id, admin)
      assert.equal(asAdmin.status, 200, asAdmin.text)
      assert.deepEqual(
        asAdmin.body,
        { keys: 2, passwords: 2, own_password: false, webhooks: 0 },
        'the child and grandchild, the two passwords',
      )

      const demoted = await s.request('PATCH', `/v1/users/${dana.body.id}`, {
        token: admin,
        body: { role: 'member' },
      })
      assert.equal(demoted.status, 200, demoted.text)
      const danaAgain = await s.login(`mc-dana-${store}@example.com`, 'dana-password-1')
      const asDana = await made(k.id, danaAgain)
      assert.equal(asDana.status, 200, asDana.text)
      assert.deepEqual(
        asDana.body,
        { keys: 2, passwords: 2, own_password: false, webhooks: 0 },
        'BROKEN: the member is offered less than it ends',
      )

      const r = await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: danaAgain, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.minted_revoked, asDana.body.keys, 'the count is what the revoke revoked')
      assert.equal(r.body.passwords_cleared, asDana.body.passwords, 'and what it cleared')
      assert.deepEqual(
        (await made(k.id, danaAgain)).body,
        { keys: 0, passwords: 0, own_password: false, webhooks: 0 },
        'nothing left to end',
      )
    })

    it('answers only whoever may revoke the key: 404 across users, 403 without keys:write', async () => {
      const k = await s.createKey(admin, { name: 'mc-admin-key' })
      const eve = await s.member(`mc-eve-${store}`, admin)
      assert.equal((await made(k.id, eve.token)).status, 404, "another user's key is not there")
      const reader = await s.createKey(admin, { name: 'mc-reader', scopes: ['keys:read'] })
      assert.equal((await made(k.id, reader.key)).status, 403)
      const own = await s.createKey(eve.token, { name: 'mc-eve-key' })
      assert.deepEqual((await made(own.id, eve.token)).body, {
        keys: 0,
        passwords: 0,
        own_password: false,
        webhooks: 0,
      })
    })
  })
}
