import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Attack on user deletion: the keys a deleted user is responsible for are not only those they own
 * directly, but their personal organization's, its applications' and their devices' (the key's
 * `holderUserId`). After DELETE, none of them may verify VALID, as a bearer or through verify,
 * and a retried DELETE by the (deleted) member's own credentials is 404/401, never a success.
 */
for (const store of STORES) {
  describe(`attack: a deleted user's personal fleet (${store})`, () => {
    const suite = serverForSuite(store)

    it('no key of the personal organization, its application or device verifies after the deletion', async () => {
      const { s, admin } = suite
      const u = await s.member(`fleet${randomBytes(3).toString('hex')}`, admin)
      const app = await s.request('POST', '/v1/applications', { token: u.token, body: { name: 'mine' } })
      assert.equal(app.status, 201, app.text)
      const orgId = app.body.organization_id as number
      const dev = await s.request('POST', '/v1/devices', { token: u.token, body: { application_id: app.body.id } })
      assert.equal(dev.status, 201, dev.text)
      const keys = {
        user: await s.createKey(u.token),
        org: await s.createKey(u.token, { owner: { kind: 'organization', id: orgId } }),
        app: await s.createKey(u.token, { owner: { kind: 'application', id: app.body.id } }),
        device: await s.createKey(u.token, { owner: { kind: 'device', id: dev.body.id } }),
      }
      for (const [kind, k] of Object.entries(keys)) assert.equal((await s.verify(admin, k.key)).code, 'VALID', kind)
      const del = await s.request('DELETE', `/v1/users/${u.id}`, { token: admin })
      assert.equal(del.status, 204, del.text)
      const codes: Record<string, string> = {}
      for (const [kind, k] of Object.entries(keys)) codes[kind] = (await s.verify(admin, k.key)).code
      for (const [kind, k] of Object.entries(keys)) {
        assert.notEqual(
          codes[kind],
          'VALID',
          `BROKEN: the deleted user's ${kind} key verifies: ${JSON.stringify(codes)}`,
        )
        const who = await s.request('GET', '/v1/auth/whoami', { token: k.key })
        assert.equal(who.status, 401, `BROKEN: the deleted user's ${kind} key authenticates`)
        const retry = await s.request('DELETE', `/v1/users/${u.id}`, { token: k.key })
        assert.ok([401, 404].includes(retry.status), `BROKEN: retried DELETE with the ${kind} key: ${retry.status}`)
      }
      const events = await s.kw.services.store.db
        .selectFrom('key_event')
        .select(['key_id', 'type'])
        .where('type', '=', 'key.revoked')
        .where(
          'key_id',
          'in',
          Object.values(keys).map((k) => k.id),
        )
        .execute()
      const listed: Record<string, unknown> = {}
      for (const [kind, k] of Object.entries(keys))
        listed[kind] = (await s.request('GET', `/v1/keys/${k.id}`, { token: admin })).body?.status
      console.log(`[${store}] GET /v1/keys/:id status after deletion: ${JSON.stringify(listed)}`)
      // Observation, not a break: DESIGN.md "Keys ending with their owner" revokes the user's own keys only.
      console.log(`[${store}] after deletion: ${JSON.stringify(codes)}; key.revoked events: ${JSON.stringify(events)}`)
    })
  })
}
