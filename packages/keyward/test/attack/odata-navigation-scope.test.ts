import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

/**
 * Scopes narrow on the balena OData face too: a navigation (`$expand`, a `$filter` path or
 * lambda, an `$orderby` path) reaches another resource, and needs that resource's read scope
 * as much as asking for it directly does. An admin key with only `keys:read` read every user's
 * email through `actor?$expand=is_of__user`; a member's `keys:read` key their applications and
 * organizations; a device key (which may list no keys) its keys through `actor?$expand=api_key`
 * (found by an attacker).
 */
for (const store of STORES) {
  describe(`attack: OData navigations need the scope of what they reach (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      await s.member('bob', admin)
    })
    after(() => s?.close())
    const get = (token: string, url: string) => s.request('GET', url, { token })
    /** The answer to reaching `what` through a navigation is the answer to asking for it directly. */
    async function refusedAs(token: string, direct: string, urls: string[], secret: string) {
      const d = await get(token, direct)
      assert.ok(d.status === 401 || d.status === 403, `control: ${direct} ${d.status} ${d.text}`)
      for (const url of urls) {
        const r = await get(token, url)
        assert.equal(r.status, d.status, `BROKEN ${url}: ${r.status} ${r.text.slice(0, 300)}`)
        assert.ok(!r.text.includes(secret), `BROKEN ${url} leaks ${secret}`)
        assert.equal(r.body?.error, d.body?.error, `${url}: the same error as ${direct}`)
      }
    }

    it("an admin key with keys:read reads no user's email through a navigation", async () => {
      const k = await s.createKey(admin, { scopes: ['keys:read'] })
      await refusedAs(
        k.key,
        '/v7/user',
        [
          '/v7/actor?$expand=is_of__user($select=email)',
          `/v7/api_key?$filter=is_of__actor/is_of__user/any(u:startswith(u/email,'bob'))&$select=id`,
          `/v7/actor?$filter=is_of__user/any(u:u/email eq 'bob@example.com')`,
        ],
        'bob@example.com',
      )
      // Control: with the scope, the same navigation answers.
      const both = await s.createKey(admin, { scopes: ['keys:read', 'users:read'] })
      const r = await get(both.key, '/v7/actor?$expand=is_of__user($select=email)')
      assert.equal(r.status, 200, r.text)
      assert.ok(r.text.includes('bob@example.com'), 'with users:read the expansion answers')
    })

    it("a member's keys:read key reads no application, device or organization through a navigation", async () => {
      const dave = await s.member('dave', admin)
      const app = await s.request('POST', '/v1/applications', { token: dave.token, body: { name: 'fleet-one' } })
      assert.equal(app.status, 201, app.text)
      const dev = await s.request('POST', '/v1/devices', { token: dave.token, body: { application_id: app.body.id } })
      assert.equal(dev.status, 201, dev.text)
      const k = await s.createKey(dave.token, { scopes: ['keys:read'] })
      await refusedAs(k.key, '/v7/application', ['/v7/actor?$expand=is_of__application'], 'fleet-one')
      await refusedAs(k.key, '/v7/device', ['/v7/actor?$expand=is_of__device'], dev.body.uuid)
      // An expansion is refused whether or not any parent matched (no answer depends on the data).
      await refusedAs(k.key, '/v7/device', [`/v7/actor?$filter=id eq 0&$expand=is_of__device`], dev.body.uuid)
      const withApps = await s.createKey(dave.token, { scopes: ['keys:read', 'applications:read'] })
      await refusedAs(
        withApps.key,
        '/v7/organization',
        ['/v7/actor?$expand=is_of__application($expand=organization)', '/v7/application?$orderby=organization/name'],
        'dave',
      )
    })

    it('a device key lists no keys through a navigation', async () => {
      const erin = await s.member('erin', admin)
      const app = await s.request('POST', '/v1/applications', { token: erin.token, body: { name: 'fleet-two' } })
      const dev = await s.request('POST', '/v1/devices', { token: erin.token, body: { application_id: app.body.id } })
      const dk = await s.createKey(erin.token, { owner: { kind: 'device', id: dev.body.id }, name: 'device-key-name' })
      await refusedAs(
        dk.key,
        '/v7/api_key',
        ['/v7/actor?$expand=api_key', `/v7/actor?$filter=api_key/any(k:k/name eq 'device-key-name')`],
        'device-key-name',
      )
    })
  })
}
