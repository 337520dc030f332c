import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES } from '../helpers.js'
import { expectStatus, withOrgWorld } from './fixture.js'

interface WireKey {
  id: number
  can_manage: boolean
}

/**
 * Every key on the wire says whether its caller may change it (`can_manage`, `canManageKey` in core/org-abilities.ts):
 * the dashboard shows a key's Edit, Disable, Roll, Revoke and Delete only then (a new user's find: it offered them to
 * viewers, to members on another member's organization key and to `keys:read` keys, and the server refused with 403).
 */
for (const store of STORES) {
  describe(`a key says whether its caller may change it (${store})`, () => {
    const t = withOrgWorld(store)

    /** `can_manage` of key `id` for `token`, the same in the list and the key's own read. */
    const canManage = async (token: string, id: number): Promise<boolean> => {
      const one = await t.s.request('GET', `/v1/keys/${id}`, { token })
      expectStatus(one, 200, 'get')
      const list = await t.s.request('GET', `/v1/keys?limit=500`, { token })
      expectStatus(list, 200, 'list')
      const listed = (list.body.api_keys as WireKey[]).find((k) => k.id === id)
      assert.equal(listed?.can_manage, one.body.can_manage, 'the list and the key say the same')
      assert.equal(typeof one.body.can_manage, 'boolean')
      return one.body.can_manage
    }

    /** Whether a PATCH and a disable of key `id` by `token` succeed (200) or are refused (403): never one of each. */
    const mayChange = async (token: string, id: number): Promise<boolean> => {
      const patch = await t.s.request('PATCH', `/v1/keys/${id}`, { token, body: { description: 'checked' } })
      const disable = await t.s.request('POST', `/v1/keys/${id}/disable`, { token })
      for (const r of [patch, disable]) assert.ok([200, 403].includes(r.status), r.text)
      assert.equal(patch.status, disable.status, 'PATCH and disable agree')
      if (patch.status === 200) assert.equal(patch.body.can_manage, true, "a change's answer says it may")
      return patch.status === 200
    }

    it('owner, member (its own organization key, another member’s), viewer, a keys:read key: can_manage is what PATCH and disable answer', async () => {
      const { owner, member, viewer, keys } = t.w
      const membersOrgKey = await t.s.createKey(member.token, { owner: { kind: 'organization', id: t.w.acme.id } })
      const readKey = await t.s.createKey(owner.token, { scopes: ['keys:read'] })
      const writeKey = await t.s.createKey(owner.token, { scopes: ['keys:read', 'keys:write'] })
      // The organization's own key first: the owner's disable of it comes later.
      const cases: [string, string, number, boolean][] = [
        ['organization key, member’s organization key', keys.orgKeySecret, membersOrgKey.id, false],
        ['organization key, application key', keys.orgKeySecret, keys.appKey, true],
        ['owner, organization key', owner.token, keys.orgKey, true],
        ['owner, application key', owner.token, keys.appKey, true],
        ['owner, member’s organization key', owner.token, membersOrgKey.id, true],
        ['member, application key', member.token, keys.appKey, true],
        ['member, own organization key', member.token, membersOrgKey.id, true],
        ['member, owner’s organization key', member.token, keys.orgKey, false],
        ['viewer, application key', viewer.token, keys.appKey, false],
        ['viewer, organization key', viewer.token, keys.orgKey, false],
        ['keys:read key, device key', readKey.key, keys.deviceKey, false],
        ['keys:write key, device key', writeKey.key, keys.deviceKey, true],
      ]
      for (const [what, token, id, expected] of cases) {
        const can = await canManage(token, id)
        assert.equal(can, expected, `${what}: can_manage`)
        assert.equal(await mayChange(token, id), can, `${what}: the route agrees`)
      }
    })

    it("whoami's key says it too", async () => {
      const readKey = await t.s.createKey(t.w.owner.token, { scopes: ['keys:read'] })
      const who = await t.s.request('GET', '/v1/auth/whoami', { token: readKey.key })
      expectStatus(who, 200, 'whoami')
      assert.equal(who.body.api_key.can_manage, false)
      const created = await t.s.request('POST', '/v1/keys', { token: t.w.viewer.token, body: { name: 'mine' } })
      expectStatus(created, 201, 'create')
      assert.equal(created.body.api_key.can_manage, true, "a viewer's own key is theirs")
    })
  })
}
