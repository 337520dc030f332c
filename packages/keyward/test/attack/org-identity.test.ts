import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { type OrgWorld, expectStatus, orgWorld } from '../orgs/fixture.js'

/**
 * Attack (a tester's find): an organization's identity — the shared limits and credits of its
 * customer's keys — was changed, deleted and joined by anyone who could see it. A viewer (who
 * changes nothing of an organization) lifted its limits to a million a second, deleted it, and
 * linked a personal key to it, which then spent the organization's credits and kept spending
 * them after the viewer was removed. Changing an identity or linking a key to it now needs the
 * write rule on its owner (`canManageOwner`, core/authz.ts), and a key joins only an identity of
 * its own tenant (`sameTenant`).
 */
for (const store of STORES) {
  describe(`attack: an organization's identity and who may change it (${store})`, () => {
    let s: TestServer
    let w: OrgWorld
    let identityId: number
    before(async () => {
      s = await TestServer.start(store)
      w = await orgWorld(s)
      const ident = await s.request('POST', '/v1/identities', {
        token: w.keys.orgKeySecret,
        body: { external_id: 'customer-42', remaining: 100 },
      })
      expectStatus(ident, 201, 'the organization key creates its identity')
      identityId = ident.body.id
    })
    after(() => s.close())

    const patch = (token: string) =>
      s.request('PATCH', `/v1/identities/${identityId}`, { token, body: { remaining: 999_999_999 } })
    const linkPersonal = (token: string) =>
      s.request('POST', '/v1/keys', { token, body: { name: 'mine', identity_id: identityId } })

    it('a viewer or a member cannot change, delete or join it (403)', async () => {
      for (const p of [w.viewer, w.member]) {
        expectStatus(await patch(p.token), 403, `${p.email} changes its credits`)
        expectStatus(await s.request('DELETE', `/v1/identities/${identityId}`, { token: p.token }), 403, p.email)
        expectStatus(await linkPersonal(p.token), 403, `${p.email} links a personal key`)
      }
      const left = await s.request('GET', `/v1/identities/${identityId}`, { token: w.owner.token })
      expectStatus(left, 200, 'still there')
      if (left.body.remaining !== 100) throw new Error(`credits changed: ${left.text}`)
    })

    it("nor through an organization key a member makes (a reviewer's find)", async () => {
      const own = await s.createKey(w.member.token, { owner: { kind: 'organization', id: w.acme.id } })
      expectStatus(await patch(own.key), 403, "the member's organization key changes its credits")
      const del = await s.request('DELETE', `/v1/identities/${identityId}`, { token: own.key })
      expectStatus(del, 403, "the member's organization key deletes it")
    })

    it('a member links the keys they may change to it, with or without an organization key of theirs', async () => {
      const own = await s.createKey(w.member.token, { owner: { kind: 'organization', id: w.acme.id } })
      for (const token of [w.member.token, own.key]) {
        const made = await s.request('POST', '/v1/keys', {
          token,
          body: { name: 'customer', owner: { kind: 'application', id: w.acme.appId }, identity_id: identityId },
        })
        expectStatus(made, 201, 'an application key of the organization in its identity')
      }
    })

    it("a key of a person's identity makes no key of the organization (it would stay in that identity)", async () => {
      const mine = await s.request('POST', '/v1/identities', { token: w.member.token, body: { external_id: 'mine' } })
      expectStatus(mine, 201, 'a personal identity')
      const inIt = await s.createKey(w.member.token, { identity_id: mine.body.id })
      const made = await s.request('POST', '/v1/keys', {
        token: inIt.key,
        body: { name: 'inherits', owner: { kind: 'device', id: w.acme.deviceId } },
      })
      expectStatus(made, 403, "a device key of the organization in the member's identity")
    })

    it("an admin of the organization cannot bind a person's key to it, nor a key of another tenant", async () => {
      expectStatus(await linkPersonal(w.orgAdmin.token), 403, "the admin's personal key")
      const outsiders = await s.request('PATCH', `/v1/keys/${w.other.keyId}`, {
        token: w.admin,
        body: { identity_id: identityId },
      })
      expectStatus(outsiders, 403, "an instance admin moves another organization's key into it")
    })

    it("an admin of the organization changes it and links the organization's keys", async () => {
      expectStatus(await patch(w.orgAdmin.token), 200, 'the organization admin changes its credits')
      const orgKey = await s.request('POST', '/v1/keys', {
        token: w.orgAdmin.token,
        body: { name: 'customer', owner: { kind: 'organization', id: w.acme.id }, identity_id: identityId },
      })
      expectStatus(orgKey, 201, 'an organization key in it')
      const appKey = await s.request('PATCH', `/v1/keys/${w.keys.appKey}`, {
        token: w.orgAdmin.token,
        body: { identity_id: identityId },
      })
      expectStatus(appKey, 200, "the organization's application key into it")
    })
  })
}
