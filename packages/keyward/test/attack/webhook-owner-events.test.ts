import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { hashSecret } from '../../src/core/key-format.js'
import { STORES, TestServer } from '../helpers.js'
import { fanOutAll as fanOutWebhooks, silentHook } from '../webhooks/fan-out.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1' }
const EVENTS = ['key.created', 'key.updated', 'key.revoked', 'key.deleted']

/**
 * Attacks on the events of keys that end with their owner: a webhook of a user who is no longer
 * there (deactivated) keeps hearing of an organization's keys; an event body carries a secret or its hash.
 */
for (const store of STORES) {
  describe(`attack: webhook events of owners that end (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store, { env: ENV })
      admin = await s.adminToken()
    })
    after(() => s.close())

    const db = () => s.kw.services.store.db
    const hook = (token: string) => silentHook(s, token, EVENTS)
    const fanOutAll = () => fanOutWebhooks(s)
    /** The key of each delivery the webhook got, oldest first. */
    const deliveredKeys = async (webhookId: number) =>
      (
        await db()
          .selectFrom('webhook_delivery')
          .select('key_id')
          .where('webhook_id', '=', webhookId)
          .orderBy('event_id')
          .execute()
      ).map((r) => r.key_id)
    const person = async (name: string) => {
      const n = `${name}${randomBytes(3).toString('hex')}`
      return { ...(await s.member(n, admin)), email: `${n}@example.com` }
    }

    it("a deactivated member's webhook hears nothing more of the organization's keys", async () => {
      const owner = await person('own')
      const member = await person('mem')
      const handle = `org-${randomBytes(3).toString('hex')}`
      const org = await s.request('POST', '/v1/organizations', { token: owner.token, body: { name: handle, handle } })
      assert.equal(org.status, 201, org.text)
      const inv = await s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
        token: owner.token,
        body: { email: member.email, role: 'member' },
      })
      assert.equal(inv.status, 201, inv.text)
      const acc = await s.request('POST', '/v1/invitations/accept', {
        token: member.token,
        body: { token: inv.body.token },
      })
      assert.equal(acc.status, 200, acc.text)
      const memberHook = await hook(member.token)
      const before = await s.createKey(owner.token, { owner: { kind: 'organization', id: org.body.id } })
      await fanOutAll()
      assert.deepEqual(await deliveredKeys(memberHook), [before.id], 'a member hears of the organization’s keys')

      const off = await s.request('POST', `/v1/users/${member.id}/deactivate`, { token: admin })
      assert.equal(off.status, 200, off.text)
      await s.createKey(owner.token, { owner: { kind: 'organization', id: org.body.id } })
      await s.request('PATCH', `/v1/keys/${before.id}`, { token: owner.token, body: { name: 'renamed-after' } })
      await fanOutAll()
      const heard = (await deliveredKeys(memberHook)).slice(1)
      // FINDING when this fails: webhook-outbox.ts `subscribers` skips deleted users only, not deactivated ones.
      assert.deepEqual(
        heard,
        [],
        `FINDING: the deactivated member's webhook got ${heard.length} more deliveries (keys ${JSON.stringify(heard)}, ` +
          'created or renamed after deactivation): a deactivated user keeps receiving the organization’s key events',
      )
    })

    it("a deactivated administrator's webhook hears nothing more of anyone's keys", async () => {
      const n = `adm${randomBytes(3).toString('hex')}`
      const made = await s.request('POST', '/v1/users', {
        token: admin,
        body: { email: `${n}@example.com`, password: `${n}-password-1`, role: 'admin' },
      })
      assert.equal(made.status, 201, made.text)
      const adminHook = await hook(await s.login(`${n}@example.com`, `${n}-password-1`))
      const off = await s.request('POST', `/v1/users/${made.body.id}/deactivate`, { token: admin })
      assert.equal(off.status, 200, off.text)
      const tenant = await person('ten')
      const k = await s.createKey(tenant.token)
      await fanOutAll()
      const heard = await deliveredKeys(adminHook)
      assert.deepEqual(
        heard,
        [],
        `FINDING: a deactivated admin's webhook got deliveries about another tenant's key ${k.id}: ${JSON.stringify(heard)}`,
      )
    })

    it('key.deleted and key.revoked bodies of an ending owner hold neither the secret nor its hash', async () => {
      const owner = await person('sec')
      const handle = `org-${randomBytes(3).toString('hex')}`
      const org = await s.request('POST', '/v1/organizations', { token: owner.token, body: { name: handle, handle } })
      const orgKey = await s.createKey(owner.token, { owner: { kind: 'organization', id: org.body.id } })
      const userKey = await s.createKey(owner.token)
      const rolled = await s.request('POST', `/v1/keys/${userKey.id}/roll`, {
        token: owner.token,
        body: { grace_period_s: 3600 },
      })
      const secrets = [orgKey.key, userKey.key, ...(rolled.status === 200 ? [rolled.body.key as string] : [])]
      assert.equal((await s.request('DELETE', `/v1/organizations/${org.body.id}`, { token: owner.token })).status, 204)
      assert.equal((await s.request('DELETE', `/v1/users/${owner.id}`, { token: admin })).status, 204)
      const events = await db()
        .selectFrom('key_event')
        .select(['type', 'data'])
        .where('key_id', 'in', [orgKey.id, userKey.id])
        .execute()
      assert.ok(events.some((e) => e.type === 'key.deleted') && events.some((e) => e.type === 'key.revoked'))
      for (const e of events)
        for (const secret of secrets)
          for (const needle of [secret, hashSecret(secret), secret.slice(-24)])
            assert.ok(!e.data.includes(needle), `BROKEN: ${e.type} body holds a secret or hash: ${e.data}`)
    })
  })
}
