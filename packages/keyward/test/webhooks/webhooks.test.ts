import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { KEY_EVENT_TYPES } from '../../src/store/key-event-repository.js'
import { STORES, TestServer } from '../helpers.js'
import { Receiver, until } from './receiver.js'

/** The lifecycle events (the scheduled ones come from the sweeper). */
const ALL = KEY_EVENT_TYPES.slice(0, 8)
const FAST = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1', KEYWARD_WEBHOOK_TIMEOUT_MS: '500' }

for (const store of STORES) {
  describe(`webhooks (${store})`, () => {
    let s: TestServer
    let admin: string
    const receivers: Receiver[] = []
    const receiver = async (b: Parameters<typeof Receiver.start>[0]) => {
      const r = await Receiver.start(b)
      receivers.push(r)
      return r
    }
    const subscribe = async (token: string, url: string, events: readonly string[] = ALL) => {
      const r = await s.request('POST', '/v1/webhooks', { token, body: { url, events } })
      assert.equal(r.status, 201, r.text)
      return r.body as { webhook: { id: number }; secret: string }
    }
    const deliveries = async (token: string, id: number) =>
      (await s.request('GET', `/v1/webhooks/${id}/deliveries`, { token })).body.deliveries as any[]

    before(async () => {
      s = await TestServer.start(store, { env: FAST })
      admin = await s.adminToken()
    })
    after(async () => {
      await Promise.all(receivers.map((r) => r.close()))
      await s.close()
    })

    it('signs every lifecycle event per Standard Webhooks, in order, with the key as the API lists it', async () => {
      const rx = await receiver('ok')
      const { secret } = await subscribe(admin, rx.url)
      assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/)
      const k = await s.createKey(admin)
      const path = `/v1/keys/${k.id}`
      await s.request('PATCH', path, { token: admin, body: { description: 'changed' } })
      await s.request('POST', `${path}/disable`, { token: admin })
      await s.request('POST', `${path}/enable`, { token: admin })
      const rolled = (await s.request('POST', `${path}/roll`, { token: admin, body: {} })).body.key as string
      const listed = (await s.request('GET', path, { token: admin })).body
      await s.kw.app.inject({ method: 'POST', url: '/v1/keys/leaked', payload: { key: rolled } })
      await s.request('DELETE', path, { token: admin })
      const expected = [
        'key.created',
        'key.updated',
        'key.disabled',
        'key.enabled',
        'key.rolled',
        'key.leaked',
        'key.revoked', // the leak revoked it: said as every revoke says it
        'key.deleted',
      ]
      await until(() => rx.received.length >= expected.length, 15_000, 'eight deliveries').catch((e: unknown) => {
        throw new Error(`${String(e)}: ${JSON.stringify(rx.events().map((x) => x.type))}`)
      })
      const wh = new Webhook(secret)
      for (const r of rx.received) wh.verify(r.body, r.headers as Record<string, string>) // throws on a bad signature
      assert.deepEqual(
        rx.events().map((e) => e.type),
        expected,
      )
      const { can_manage: _caller, ...view } = listed
      assert.deepEqual(rx.events()[4]!.data, view, 'data is GET /v1/keys/:id after the roll, but for the caller')
      for (const r of rx.received) {
        assert.ok(!r.body.includes(k.key) && !r.body.includes(rolled), 'never the secret')
        assert.ok(!/hash/.test(r.body), 'never a hash')
      }
      assert.equal(rx.events()[5]!.data.status, 'revoked', 'the leak revoked it')
      assert.deepEqual(rx.events()[6]!.data, rx.events()[5]!.data, 'key.revoked carries the same key')
    })

    it('rejects a forged signature (standardwebhooks refuses a body changed in transit)', async () => {
      const rx = await receiver('ok')
      const { secret } = await subscribe(admin, rx.url, ['key.created'])
      await s.createKey(admin)
      await until(() => rx.received.length >= 1)
      const r = rx.received[0]!
      assert.throws(() => new Webhook(secret).verify(r.body.replace('key.created', 'key.revoked'), r.headers as any))
    })

    it("gives members only their own keys' events, admins everything; others' webhooks are 404", async () => {
      const alice = await s.member(`alice${store}`, admin)
      const bob = await s.member(`bob${store}`, admin)
      const [ra, rAdmin] = [await receiver('ok'), await receiver('ok')]
      const hookA = await subscribe(alice.token, ra.url, ['key.created'])
      await subscribe(admin, rAdmin.url, ['key.created'])
      const ka = await s.createKey(alice.token)
      const kb = await s.createKey(bob.token)
      await until(() => rAdmin.events().some((e) => e.data.id === kb.id), 10_000, 'admin sees bob')
      await until(() => ra.received.length >= 1)
      await new Promise((r) => setTimeout(r, 300))
      assert.deepEqual(
        ra.events().map((e) => e.data.id),
        [ka.id],
      )
      const id = hookA.webhook.id
      for (const [m, p] of [
        ['GET', `/v1/webhooks/${id}`],
        ['PATCH', `/v1/webhooks/${id}`],
        ['DELETE', `/v1/webhooks/${id}`],
        ['POST', `/v1/webhooks/${id}/rotate-secret`],
        ['POST', `/v1/webhooks/${id}/test`],
        ['GET', `/v1/webhooks/${id}/deliveries`],
      ] as const) {
        const r = await s.request(m, p, { token: bob.token, ...(m === 'PATCH' && { body: { description: 'x' } }) })
        assert.equal(r.status, 404, `${m} ${p}`)
      }
      assert.equal((await s.request('GET', `/v1/webhooks/${id}`, { token: admin })).status, 200)
      const listed = (await s.request('GET', '/v1/webhooks', { token: bob.token })).body.webhooks
      assert.deepEqual(listed, [])
      assert.equal(
        JSON.stringify((await s.request('GET', `/v1/webhooks/${id}`, { token: alice.token })).body).includes('whsec'),
        false,
      )
    })

    it('lets only admins create webhooks for another user, and keeps application keys out (403)', async () => {
      const carol = await s.member(`carol${store}`, admin)
      const body = { url: 'http://127.0.0.1:1/x', events: ['key.created'], owner: { kind: 'user', id: 1 } }
      assert.equal((await s.request('POST', '/v1/webhooks', { token: carol.token, body })).status, 403)
      const forCarol = { ...body, owner: { kind: 'user', id: carol.id } }
      const r = await s.request('POST', '/v1/webhooks', { token: admin, body: forCarol })
      assert.equal(r.status, 201)
      assert.equal((await s.request('GET', `/v1/webhooks/${r.body.webhook.id}`, { token: carol.token })).status, 200)
      const scoped = await s.createKey(admin, { scopes: ['keys:read'] })
      assert.equal((await s.request('GET', '/v1/webhooks', { token: scoped.key })).status, 403)
      const bad = await s.request('POST', '/v1/webhooks', {
        token: admin,
        body: { url: 'ftp://x.example', events: ['key.created'] },
      })
      assert.equal(bad.status, 400)
      assert.equal(bad.body.error.code, 'validation_failed')
      const unknownEvent = await s.request('POST', '/v1/webhooks', {
        token: admin,
        body: { url: 'http://127.0.0.1:1', events: ['key.nope'] },
      })
      assert.equal(unknownEvent.status, 400)
    })

    it('retries a failing receiver with backoff until it answers, and records each attempt', async () => {
      const rx = await receiver({ failFirst: 2 })
      const { webhook } = await subscribe(admin, rx.url, ['key.created'])
      await s.createKey(admin)
      await until(() => rx.received.length >= 1)
      await until(async () => (await deliveries(admin, webhook.id))[0]?.attempts === 1)
      const first = (await deliveries(admin, webhook.id))[0]
      assert.equal(first.status, 'pending')
      assert.equal(first.response_status, 503)
      const wait = Date.parse(first.next_attempt_at) - Date.parse(first.last_attempt_at)
      assert.ok(wait >= 2_500 && wait <= 5_000, `first retry after 2.5-5 s, got ${wait}`)
      await until(async () => (await deliveries(admin, webhook.id))[0]?.status === 'succeeded', 30_000, 'success')
      const done = (await deliveries(admin, webhook.id))[0]
      assert.equal(
        done.attempts,
        3,
        JSON.stringify({ done, rx: rx.received.map((r) => [r.headers['webhook-id'], r.body.slice(0, 60)]) }),
      )
      assert.equal(rx.received.length, 3)
      assert.equal(new Set(rx.received.map((r) => r.headers['webhook-id'])).size, 1, 'one message id across retries')
    })

    it('does not follow redirects and gives up on a hanging receiver after the timeout', async () => {
      const [redirect, hang] = [await receiver('redirect'), await receiver('hang')]
      const a = await subscribe(admin, redirect.url, ['key.created'])
      const b = await subscribe(admin, hang.url, ['key.created'])
      await s.createKey(admin)
      await until(async () => (await deliveries(admin, a.webhook.id))[0]?.attempts >= 1)
      await until(async () => (await deliveries(admin, b.webhook.id))[0]?.attempts >= 1, 5_000)
      const [ra, rb] = [(await deliveries(admin, a.webhook.id))[0], (await deliveries(admin, b.webhook.id))[0]]
      assert.equal(ra.status, 'pending')
      assert.equal(ra.response_status, 307)
      assert.match(ra.last_error, /redirect \(307\) not followed/)
      assert.equal(redirect.received.length, 1, 'the redirect target was never called')
      assert.equal(rb.response_status, null)
      assert.match(rb.last_error, /no answer within 500 ms/)
    })

    it('sends a test event, redelivers on request, and rotates the secret', async () => {
      const rx = await receiver('ok')
      const { webhook, secret } = await subscribe(admin, rx.url, ['key.created'])
      const t = await s.request('POST', `/v1/webhooks/${webhook.id}/test`, { token: admin })
      assert.equal(t.status, 202)
      assert.equal(t.body.event_type, 'webhook.test')
      await until(() => rx.received.length === 1)
      assert.equal(rx.events()[0]!.type, 'webhook.test')
      const rot = await s.request('POST', `/v1/webhooks/${webhook.id}/rotate-secret`, { token: admin })
      assert.notEqual(rot.body.secret, secret)
      const again = await s.request('POST', `/v1/webhooks/${webhook.id}/deliveries/${t.body.id}/redeliver`, {
        token: admin,
      })
      assert.equal(again.status, 202)
      await until(() => rx.received.length === 2)
      new Webhook(rot.body.secret).verify(rx.received[1]!.body, rx.received[1]!.headers as any)
      assert.throws(() => new Webhook(secret).verify(rx.received[1]!.body, rx.received[1]!.headers as any))
      const missing = await s.request('POST', `/v1/webhooks/${webhook.id}/deliveries/999999/redeliver`, {
        token: admin,
      })
      assert.equal(missing.status, 404)
    })
  })
}
