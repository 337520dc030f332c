import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Who did it, when no actor did: Keyward by itself (the first admin, a sweeper, a deletion's
 * cascade) or a caller without credentials (a leak report, a failed login). A member reads no
 * one's address, so the dashboard's guess from the address called a stranger's leak report
 * "Keyward (automatic)" (a new user's find): the server says it, before the address is hidden.
 */
for (const store of STORES) {
  describe(`audit: what Keyward did by itself, told apart from an anonymous caller (${store})`, () => {
    const suite = serverForSuite(store)

    it('a leak report is anonymous to the key owner, who reads no address; the first admin is automatic', async () => {
      const { s, admin } = suite
      const dev = await s.member('dev', admin)
      const k = await s.createKey(dev.token, { name: 'leaky' })
      assert.equal((await s.request('POST', '/v1/keys/leaked', { body: { key: k.key } })).status, 202)
      const seen = await s.request('GET', `/v1/audit?action=key.leaked&target_id=${k.id}`, { token: dev.token })
      assert.equal(seen.status, 200, seen.text)
      const [leak] = seen.body.events
      assert.equal(leak.actor_id, null)
      assert.equal(leak.ip, null, 'a member reads no address')
      assert.equal(leak.automatic, false, 'BROKEN: a stranger’s report read as Keyward’s own act')
      const boot = await s.request('GET', '/v1/audit?action=user.bootstrap', { token: admin })
      assert.equal(boot.body.events[0].automatic, true)
      const byAdmin = await s.request('GET', `/v1/audit?action=key.create&target_id=${k.id}`, { token: admin })
      assert.equal(byAdmin.body.events[0].automatic, false)
    })
  })
}
