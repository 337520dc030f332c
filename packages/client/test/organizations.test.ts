import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createClient } from '../src/index.js'
import { type Listening, STORES, listening, member } from './server.js'

for (const kind of STORES) {
  describe(`kw.organizations and kw.invitations against a listening server (${kind})`, () => {
    let l: Listening
    before(async () => {
      l = await listening(kind)
    })
    after(() => l.close())

    test('create, get by handle, invite, accept as a new account, members, set role, remove, delete', async () => {
      const owner = await member(l, 'sdk-owner')
      const org = await owner.client.organizations.create({ name: 'SDK Co', handle: 'sdk-co' })
      assert.deepEqual([org.role, org.can.delete, org.can.manage_applications], ['owner', true, true])
      assert.equal((await owner.client.organizations.get('sdk-co')).id, org.id)
      assert.deepEqual(
        (await owner.client.organizations.list()).map((o) => [o.handle, o.personal]),
        [
          ['sdk-owner', true],
          ['sdk-co', false],
        ],
      )
      const key = await owner.client.apiKeys.create({ name: 'svc', owner: { kind: 'organization', id: org.id } })
      assert.deepEqual(key.api_key.owner, { kind: 'organization', id: org.id })
      const inv = await owner.client.organizations.invite('sdk-co', { email: 'sdk-new@example.com', role: 'viewer' })
      assert.equal(inv.mailed, false)
      assert.ok(inv.token, 'no mail server: the inviter is answered the token')
      assert.deepEqual(
        (await owner.client.organizations.invitations(org.id)).map((i) => i.id),
        [inv.invitation.id],
      )
      const anon = createClient({ url: l.url })
      const accepted = await anon.invitations.accept({ token: inv.token, password: 'sdk-new-password-1' })
      await anon.auth.login({ email: 'sdk-new@example.com', password: 'sdk-new-password-1' })
      const asViewer = await anon.organizations.get(org.id)
      assert.deepEqual([asViewer.role, asViewer.can.create_keys, asViewer.can.manage_members], ['viewer', false, false])
      const seen = await anon.apiKeys.all({ organization_id: org.id })
      assert.deepEqual(
        seen.map((k) => k.id),
        [key.api_key.id],
      )
      await assert.rejects(anon.apiKeys.revoke(key.api_key.id), { code: 'forbidden', status: 403 })
      const promoted = await owner.client.organizations.setRole('sdk-co', accepted.user.id, 'admin')
      assert.equal(promoted.role, 'admin')
      assert.deepEqual(
        (await owner.client.organizations.members(org.id)).map((m) => [m.email, m.role]),
        [
          ['sdk-owner@example.com', 'owner'],
          ['sdk-new@example.com', 'admin'],
        ],
      )
      await owner.client.organizations.removeMember(org.id, accepted.user.id)
      await assert.rejects(anon.auth.whoami(), { code: 'unauthorized', status: 401 })
      await assert.rejects(owner.client.organizations.get('no-such-org'), { code: 'not_found', status: 404 })
      await owner.client.organizations.delete('sdk-co')
      await assert.rejects(owner.client.organizations.get(org.id), { code: 'not_found', status: 404 })
    })

    test("devices.list({ organization_id }) lists that organization's devices alone", async () => {
      const owner = await member(l, 'sdk-fleet')
      const org = await owner.client.organizations.create({ name: 'SDK Fleet', handle: 'sdk-fleet-co' })
      const inOrg = await owner.client.applications.create({ name: 'north', organization_id: org.id })
      const personal = await owner.client.applications.create({ name: 'south' })
      const dev = await owner.client.devices.create({ application_id: inOrg.id })
      await owner.client.devices.create({ application_id: personal.id })
      const listed = await owner.client.devices.list({ organization_id: org.id })
      assert.deepEqual(
        listed.devices.map((d) => d.id),
        [dev.id],
      )
    })
  })
}
