import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { Receiver, until } from '../../keyward/test/webhooks/receiver.js'
import { verifyWebhook } from '../src/index.js'
import { type Listening, listening } from './server.js'

describe('kw.webhooks and verifyWebhook', () => {
  let l: Listening
  let rx: Receiver
  before(async () => {
    l = await listening('sqlite', { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1' })
    rx = await Receiver.start('ok')
  })
  after(async () => {
    await rx.close()
    await l.close()
  })

  test('manages a webhook and verifies what the server sends (WebCrypto)', async () => {
    const { webhook, secret } = await l.admin.webhooks.create({ url: rx.url, events: ['key.created'] })
    assert.deepEqual(await l.admin.webhooks.get(webhook.id), webhook)
    assert.deepEqual(
      (await l.admin.webhooks.list()).map((w) => w.id),
      [webhook.id],
    )
    const { api_key } = await l.admin.apiKeys.create({ name: 'hooked' })
    await until(() => rx.received.length === 1)
    const got = rx.received[0]!
    const event = await verifyWebhook(secret, got.headers, got.body)
    assert.equal(event.type, 'key.created')
    assert.equal((event.data as { id: number }).id, api_key.id)
    await assert.rejects(verifyWebhook(secret, got.headers, got.body + ' '), /signature/)
    const [d] = await l.admin.webhooks.deliveries(webhook.id)
    assert.equal(d!.status, 'succeeded')
    await l.admin.webhooks.redeliver(webhook.id, d!.id)
    await until(() => rx.received.length === 2)
    const rotated = await l.admin.webhooks.rotateSecret(webhook.id)
    const t = await l.admin.webhooks.test(webhook.id)
    assert.equal(t.event_type, 'webhook.test')
    await until(() => rx.received.length === 3)
    const third = rx.received[2]!
    await verifyWebhook(rotated.secret, third.headers, third.body)
    await assert.rejects(verifyWebhook(secret, third.headers, third.body), /signature/, 'no overlap by default')
    const overlapping = await l.admin.webhooks.rotateSecret(webhook.id, { grace_period_s: 3600 })
    assert.ok(overlapping.webhook.previous_secret_expires_at, 'the overlap is in the answer')
    await l.admin.webhooks.test(webhook.id)
    await until(() => rx.received.length === 4)
    const fourth = rx.received[3]!
    for (const signer of [overlapping.secret, rotated.secret]) await verifyWebhook(signer, fourth.headers, fourth.body)
    assert.equal((await l.admin.webhooks.endOverlap(webhook.id)).previous_secret_expires_at, null)
    await l.admin.webhooks.test(webhook.id)
    await until(() => rx.received.length === 5)
    const fifth = rx.received[4]!
    await verifyWebhook(overlapping.secret, fifth.headers, fifth.body)
    await assert.rejects(verifyWebhook(rotated.secret, fifth.headers, fifth.body), /signature/, 'overlap ended')
    assert.equal((await l.admin.webhooks.update(webhook.id, { description: 'x' })).description, 'x')
    await l.admin.webhooks.delete(webhook.id)
    await assert.rejects(l.admin.webhooks.get(webhook.id), { code: 'not_found' })
  })

  test('accepts signatures made by the standardwebhooks package, refuses tampering, other secrets and stale times', async () => {
    const secret = 'whsec_' + Buffer.from('a'.repeat(32)).toString('base64')
    const other = 'whsec_' + Buffer.from('b'.repeat(32)).toString('base64')
    const body = JSON.stringify({ type: 'key.revoked', timestamp: new Date().toISOString(), data: { id: 7 } })
    const now = new Date()
    const sig = new StandardWebhook(secret).sign('msg_1', now, body)
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': sig,
    }
    assert.equal((await verifyWebhook(secret, headers, body)).type, 'key.revoked')
    assert.equal(
      (await verifyWebhook(secret, new Headers(headers), body)).type,
      'key.revoked',
      'a Fetch Headers object',
    )
    await assert.rejects(verifyWebhook(other, headers, body), /signature/)
    await assert.rejects(verifyWebhook(secret, headers, body.replace('7', '8')), /signature/)
    await assert.rejects(verifyWebhook(secret, { ...headers, 'webhook-id': 'msg_2' }, body), /signature/)
    const later = new Date(now.getTime() + 10 * 60_000)
    await assert.rejects(verifyWebhook(secret, headers, body, later), /timestamp/)
    await assert.rejects(verifyWebhook(secret, { 'webhook-id': 'x' }, body), /missing/)
  })
})
