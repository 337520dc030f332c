import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { join } from '../orgs/fixture.js'
import { Receiver, until } from './receiver.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1', KEYWARD_WEBHOOK_TIMEOUT_MS: '1000' }

/**
 * The fan-out skips owners who are gone and keys they cannot see, but a delivery queued before
 * (here: one being retried after a 503) is decided again at send time: it is not sent when its
 * webhook's owner was deactivated or deleted meanwhile, or can no longer see the key, and the
 * deliveries list says why. Real HTTP receivers on loopback.
 */
for (const store of STORES) {
  describe(`webhook deliveries whose owner is gone are not sent (${store})`, () => {
    let s: TestServer
    let admin: string
    const receivers: Receiver[] = []
    before(async () => {
      s = await TestServer.start(store, { env: ENV })
      admin = await s.adminToken()
    })
    after(async () => {
      await Promise.all(receivers.map((r) => r.close()))
      await s.close()
    })

    const db = () => s.kw.services.store.db
    const person = async (name: string) => {
      const n = `${name}${randomBytes(3).toString('hex')}`
      return { ...(await s.member(n, admin)), email: `${n}@example.com` }
    }
    /** A receiver failing (503) until told otherwise, and a webhook of `token` for key.created pointing at it. */
    async function failingHook(token: string) {
      const rx = await Receiver.start('ok')
      receivers.push(rx)
      rx.answer = 503
      const r = await s.request('POST', '/v1/webhooks', { token, body: { url: rx.url, events: ['key.created'] } })
      assert.equal(r.status, 201, r.text)
      return { rx, id: r.body.webhook.id as number }
    }
    const delivery = (webhookId: number) =>
      db().selectFrom('webhook_delivery').selectAll().where('webhook_id', '=', webhookId).executeTakeFirst()
    /** Waits for the first (failed) attempt, runs `change`, then makes the retry due with a receiver that would accept it. */
    async function retryAfter(hook: { rx: Receiver; id: number }, change: () => Promise<void>) {
      await until(async () => (await delivery(hook.id))?.attempts === 1, 10_000, 'the first attempt')
      await change()
      hook.rx.answer = null
      await db()
        .updateTable('webhook_delivery')
        .set({ next_attempt_at: new Date(0).toISOString() })
        .where('webhook_id', '=', hook.id)
        .execute()
      s.kw.services.webhookDispatcher.poke()
      await until(async () => (await delivery(hook.id))?.status !== 'pending', 10_000, 'the retry decided')
      return (await delivery(hook.id))!
    }

    it('a deactivated owner’s queued delivery is not sent; the deliveries list says why', async () => {
      const m = await person('deact')
      const hook = await failingHook(m.token)
      await s.createKey(m.token)
      const d = await retryAfter(hook, async () => {
        const r = await s.request('POST', `/v1/users/${m.id}/deactivate`, { token: admin })
        assert.equal(r.status, 200, r.text)
      })
      assert.equal(hook.rx.received.length, 1, 'only the attempt made before the deactivation')
      assert.equal(d.status, 'failed')
      assert.equal(d.attempts, 1, 'not sending is not an attempt')
      const listed = await s.request('GET', `/v1/webhooks/${hook.id}/deliveries`, { token: admin })
      assert.equal(listed.status, 200, listed.text)
      assert.match(listed.body.deliveries[0].last_error, /not sent: the webhook's owner is deactivated/)
    })

    it('a deleted owner’s queued delivery is not sent', async () => {
      const m = await person('del')
      const hook = await failingHook(m.token)
      await s.createKey(m.token)
      const d = await retryAfter(hook, async () => {
        const r = await s.request('DELETE', `/v1/users/${m.id}`, { token: admin })
        assert.equal(r.status, 204, r.text)
      })
      assert.equal(hook.rx.received.length, 1)
      assert.equal(d.status, 'failed')
      assert.match(d.last_error ?? '', /not sent: the webhook's owner was deleted/)
    })

    it('an event about a key its owner can no longer see is not sent; an admin’s webhook still gets it', async () => {
      const owner = await person('own')
      const member = await person('mem')
      const handle = `org-${randomBytes(3).toString('hex')}`
      const org = await s.request('POST', '/v1/organizations', { token: owner.token, body: { name: handle, handle } })
      assert.equal(org.status, 201, org.text)
      await join(s, owner.token, org.body.id, { ...member, password: '' }, 'member')
      const memberHook = await failingHook(member.token)
      const adminHook = await failingHook(admin)
      const key = await s.createKey(owner.token, { owner: { kind: 'organization', id: org.body.id } })
      await until(async () => (await delivery(adminHook.id))?.attempts === 1, 10_000, 'the admin hook’s first attempt')
      const d = await retryAfter(memberHook, async () => {
        const r = await s.request('DELETE', `/v1/organizations/${org.body.id}/members/${member.id}`, {
          token: owner.token,
        })
        assert.equal(r.status, 204, r.text)
      })
      assert.equal(memberHook.rx.received.length, 1, 'nothing after the member left')
      assert.equal(d.status, 'failed')
      assert.match(d.last_error ?? '', /not sent: the webhook's owner can no longer see this key/)
      // The admin's retry goes out: the rule withholds only what its receiver may no longer see.
      adminHook.rx.answer = null
      await db()
        .updateTable('webhook_delivery')
        .set({ next_attempt_at: new Date(0).toISOString() })
        .where('webhook_id', '=', adminHook.id)
        .execute()
      s.kw.services.webhookDispatcher.poke()
      await until(async () => (await delivery(adminHook.id))?.status === 'succeeded', 10_000, 'the admin delivery')
      assert.equal(adminHook.rx.events().at(-1)!.data.id, key.id)
    })
  })
}
