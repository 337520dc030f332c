import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

for (const store of STORES) {
  describe(`members read the trail of their own things without other actors' IPs (finding 10, ${store})`, () => {
    let s: TestServer
    before(async () => {
      s = await TestServer.start(store)
    })
    after(() => s.close())

    const call = async (method: 'GET' | 'POST', url: string, token: string, ip: string) => {
      const r = await s.kw.app.inject({ method, url, remoteAddress: ip, headers: { authorization: `Bearer ${token}` } })
      return { status: r.statusCode, body: r.json() }
    }

    it("an admin's action on a member's key shows up for the member without the admin's IP; admins see every IP", async () => {
      const admin = await s.adminToken()
      const mia = await s.member('mia', admin)
      const k = await s.createKey(mia.token)
      assert.equal((await call('POST', `/v1/keys/${k.id}/disable`, admin, '203.0.113.7')).status, 200)
      assert.equal((await call('POST', `/v1/keys/${k.id}/enable`, mia.token, '198.51.100.9')).status, 200)

      const seen = (await call('GET', `/v1/audit?target_id=${k.id}`, mia.token, '198.51.100.9')).body.events
      const byAdmin = seen.find((e: any) => e.action === 'key.disable')
      const byMia = seen.find((e: any) => e.action === 'key.enable')
      assert.ok(byAdmin && byMia, 'the member sees events about their own key')
      assert.equal(byAdmin.ip, null, "not the admin's IP")
      assert.equal(byMia.ip, '198.51.100.9', 'their own IP')
      assert.ok(!JSON.stringify(seen).includes('203.0.113.7'))

      const all = (await call('GET', `/v1/audit?target_id=${k.id}`, admin, '203.0.113.7')).body.events
      assert.equal(all.find((e: any) => e.action === 'key.disable').ip, '203.0.113.7')
      assert.equal(all.find((e: any) => e.action === 'key.enable').ip, '198.51.100.9')
    })
  })
}
