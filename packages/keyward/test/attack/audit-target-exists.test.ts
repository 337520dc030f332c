import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { type OrgWorld, join, orgWorld } from '../orgs/fixture.js'

/**
 * An audit entry's `target_exists` says whether the reader can open the key it is about, never
 * whether a key the reader may not see still exists (helper-92's find: an ex-member's own
 * `key.create` entry read `true` until the organization deleted the key, then `false`).
 */
for (const store of STORES) {
  describe(`audit target_exists tells nothing of keys the reader cannot see (${store})`, () => {
    let s: TestServer
    let w: OrgWorld
    before(async () => {
      s = await TestServer.start(store)
      w = await orgWorld(s)
    })
    after(() => s.close())

    it("an ex-member's entries about an organization key read false, before and after its deletion", async () => {
      const ex = await s.member(`ex-${store}`, w.admin)
      const person = { ...ex, email: `ex-${store}@example.com`, password: `ex-${store}-password-1` }
      await join(s, w.owner.token, w.acme.id, person, 'member')
      const k = await s.createKey(ex.token, { owner: { kind: 'application', id: w.acme.appId } })
      const mine = async () => {
        const r = await s.request('GET', `/v1/audit?target_id=${k.id}`, { token: ex.token })
        assert.equal(r.status, 200, r.text)
        const events = r.body.events as { target_type: string; target_exists: boolean | null }[]
        return events.filter((e) => e.target_type === 'api_key').map((e) => e.target_exists)
      }
      assert.deepEqual(await mine(), [true], 'a member opens the key')
      const rm = await s.request('DELETE', `/v1/organizations/${w.acme.id}/members/${ex.id}`, { token: w.owner.token })
      assert.equal(rm.status, 204, rm.text)
      ex.token = await s.login(person.email, person.password)
      assert.equal((await s.request('GET', `/v1/keys/${k.id}`, { token: ex.token })).status, 404)
      assert.deepEqual(await mine(), [false], 'no longer a key the ex-member can open')
      assert.equal((await s.request('DELETE', `/v1/keys/${k.id}`, { token: w.owner.token })).status, 204)
      assert.deepEqual(await mine(), [false], 'its deletion changes nothing the ex-member reads')
    })

    it('an admin reads whether any key still exists', async () => {
      const k = await s.createKey(w.owner.token, { owner: { kind: 'application', id: w.acme.appId } })
      const exists = async () =>
        ((await s.request('GET', `/v1/audit?target_id=${k.id}`, { token: w.admin })).body.events as any[])
          .filter((e) => e.target_type === 'api_key') // an id is not unique across types
          .map((e) => e.target_exists)
      assert.deepEqual(await exists(), [true])
      assert.equal((await s.request('DELETE', `/v1/keys/${k.id}`, { token: w.admin })).status, 204)
      assert.deepEqual(await exists(), [false, false], 'the create and the delete entries')
    })
  })
}
