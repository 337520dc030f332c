import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, it } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { verifyWebhook } from '@keyward/client'
import { STORES, type SuiteServer, serverForSuite } from '../helpers.js'
import { holdNextCall } from '../hold.js'
import { type Received, Receiver, until } from './receiver.js'

const FAST = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1', KEYWARD_WEBHOOK_TIMEOUT_MS: '500' }

/**
 * A rotation may keep the replaced secret signing beside the new one for a while, so a receiver
 * can switch over without rejecting deliveries (Standard Webhooks: several signatures). The old
 * secret never outlives its overlap, and a webhook holds at most one replaced secret.
 */
for (const store of STORES) {
  describe(`webhook secret rotation with an overlap (${store})`, () => {
    const t = serverForSuite(store, { env: FAST })

    it('signs with both secrets during the overlap, and with the new one alone after it', async () => {
      const { rx, id, secret } = await subscribed(t)
      const rot = await rotate(t, id, { grace_period_s: 2 })
      assert.equal(rot.status, 200, rot.text)
      const overlapEnd = rot.body.webhook.previous_secret_expires_at as string
      assert.ok(Date.parse(overlapEnd) - Date.now() > 1000, `the overlap ends in about 2 s, not at ${overlapEnd}`)
      const during = await sendTest(t, rx, id)
      assert.equal(during.headers['webhook-signature']!.toString().split(' ').length, 2)
      for (const signer of [rot.body.secret, secret]) assert.equal(verified(signer, during), 'webhook.test')
      assert.equal(await clientVerified(secret, during), true, "the SDK's verifyWebhook accepts the old secret too")
      assert.equal(
        (await t.s.request('GET', `/v1/webhooks/${id}`, { token: t.admin })).body.previous_secret_expires_at,
        overlapEnd,
      )

      await sleep(Math.max(0, Date.parse(overlapEnd) - Date.now()) + 100)
      const after = await sendTest(t, rx, id)
      assert.equal(verified(rot.body.secret, after), 'webhook.test')
      assert.throws(() => verified(secret, after), 'BROKEN: the old secret signs after its overlap')
      assert.equal(await clientVerified(secret, after), false)
      assert.equal(
        (await t.s.request('GET', `/v1/webhooks/${id}`, { token: t.admin })).body.previous_secret_expires_at,
        null,
      )
    })

    it('a rotation without an overlap (the default) ends the old secret, and any earlier one, at once', async () => {
      const { rx, id, secret } = await subscribed(t)
      const first = await rotate(t, id, { grace_period_s: 3600 })
      const second = await rotate(t, id) // no body: as before this change
      assert.equal(second.status, 200, second.text)
      assert.equal(second.body.webhook.previous_secret_expires_at, null)
      const m = await sendTest(t, rx, id)
      assert.equal(verified(second.body.secret, m), 'webhook.test')
      for (const old of [first.body.secret, secret])
        assert.throws(() => verified(old, m), 'BROKEN: an old secret signs')
    })

    it('a webhook keeps one replaced secret: a second overlap drops the first secret', async () => {
      const { rx, id, secret } = await subscribed(t)
      const first = await rotate(t, id, { grace_period_s: 3600 })
      const second = await rotate(t, id, { grace_period_s: 3600 })
      const m = await sendTest(t, rx, id)
      for (const signer of [second.body.secret, first.body.secret]) assert.equal(verified(signer, m), 'webhook.test')
      assert.throws(() => verified(secret, m), 'BROKEN: the secret two rotations back still signs')
    })

    // An attacker's find: a rotation with an overlap that read the secret before a rotation without one (after a
    // leak) wrote, then kept that leaked secret signing for its overlap, and the newer secret never signed.
    it('a rotation racing another: the later write is a 409, and the leaked secret stays ended', async () => {
      const { rx, id, secret: leaked } = await subscribed(t)
      const held = holdNextCall(t.s.kw.services.webhooks, 'configurer') // after the rotation's read
      const slow = rotate(t, id, { grace_period_s: 3600 })
      await held.reached
      const urgent = await rotate(t, id, { grace_period_s: 0 })
      assert.equal(urgent.status, 200)
      held.go()
      const late = await slow
      assert.equal(late.status, 409, `BROKEN: ${late.status} ${late.text}`)
      assert.equal(late.body.error.code, 'conflict')
      const m = await sendTest(t, rx, id)
      assert.equal(verified(urgent.body.secret, m), 'webhook.test')
      assert.throws(() => verified(leaked, m), 'BROKEN: the leaked secret signs again')
    })

    it('forgets a replaced secret once its overlap ended (the expiry sweep)', async () => {
      const { id } = await subscribed(t)
      await rotate(t, id, { grace_period_s: 1 })
      const row = () =>
        t.s.kw.services.store.db
          .selectFrom('webhook')
          .select(['previous_secret', 'previous_secret_expires_at'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      assert.notEqual((await row()).previous_secret, null)
      await sleep(1100)
      assert.ok((await t.s.kw.services.sweeper.sweep()).overlapsEnded >= 1)
      assert.deepEqual(await row(), { previous_secret: null, previous_secret_expires_at: null })
    })

    it('refuses an overlap over 7 days or below 0, and records the overlap in the audit log', async () => {
      const { id } = await subscribed(t)
      for (const grace_period_s of [604_801, -1, 1.5, '60']) {
        const r = await rotate(t, id, { grace_period_s })
        assert.equal(r.status, 400, `${grace_period_s}: ${r.text}`)
        assert.equal(r.body.error.code, 'validation_failed')
      }
      assert.equal((await rotate(t, id, { grace_period_s: 604_800 })).status, 200)
      const audit = await t.s.request('GET', `/v1/audit?action=webhook.rotate_secret&target_id=${id}`, {
        token: t.admin,
      })
      const mine = audit.body.events
      assert.deepEqual(mine[0].details, { grace_period_s: 604_800 })
      assert.ok(!JSON.stringify(audit.body).includes('whsec_'), 'no secret in the audit log')
    })

    // A replaced secret found exposed during its overlap: before, only another rotation ended it, and every
    // receiver had to switch twice (keys had end-grace already).
    it('end-overlap stops the replaced secret signing at once; the current one signs on', async () => {
      const { rx, id, secret: old } = await subscribed(t)
      const rot = await rotate(t, id, { grace_period_s: 3600 })
      const ended = await endOverlap(t, id)
      assert.equal(ended.status, 200, `BROKEN: ${ended.status} ${ended.text}`)
      assert.equal(ended.body.previous_secret_expires_at, null)
      const m = await sendTest(t, rx, id)
      assert.equal(verified(rot.body.secret, m), 'webhook.test')
      assert.throws(() => verified(old, m), 'BROKEN: the replaced secret still signs')
      assert.equal((await endOverlap(t, id)).status, 200, 'nothing to end: the webhook as it is')
      const audit = await t.s.request('GET', `/v1/audit?action=webhook.end_overlap&target_id=${id}`, {
        token: t.admin,
      })
      assert.equal(audit.body.events.length, 1, 'one entry: the second call changed nothing')
      assert.deepEqual(Object.keys(audit.body.events[0].details), ['previous_secret_expires_at'])
    })

    it('end-overlap ends only the overlap it read: a rotation landing in between makes it a 409', async () => {
      const { rx, id } = await subscribed(t)
      await rotate(t, id, { grace_period_s: 3600 })
      const repo = (t.s.kw.services.webhooks as unknown as { repo: object }).repo
      const held = holdNextCall(repo, 'replaceSecret') // after end-overlap's read
      const ending = endOverlap(t, id)
      await held.reached
      const second = await rotate(t, id, { grace_period_s: 3600 })
      held.go()
      const late = await ending
      assert.equal(late.status, 409, `BROKEN: ${late.status} ${late.text}`)
      const m = await sendTest(t, rx, id)
      const first = second.body.webhook.previous_secret_expires_at
      assert.ok(first, 'the new overlap is kept')
      assert.equal(m.headers['webhook-signature']!.toString().split(' ').length, 2, 'BROKEN: the new overlap ended')
    })

    it('end-overlap is refused without webhooks:write (403), across owners (404) and with a body (400)', async () => {
      const { id } = await subscribed(t)
      await rotate(t, id, { grace_period_s: 3600 })
      const reader = await t.s.createKey(t.admin, { scopes: ['webhooks:read'] })
      assert.equal((await endOverlap(t, id, reader.key)).status, 403)
      const bob = await t.s.member(`bob-overlap-${id}`, t.admin)
      assert.equal((await endOverlap(t, id, bob.token)).status, 404)
      const bodied = await t.s.request('POST', `/v1/webhooks/${id}/end-overlap`, {
        token: t.admin,
        body: { grace_period_s: 5 },
      })
      assert.equal(bodied.status, 400)
      const hook = await t.s.request('GET', `/v1/webhooks/${id}`, { token: t.admin })
      assert.ok(hook.body.previous_secret_expires_at, 'the overlap is as it was')
    })
  })
}

async function subscribed(t: SuiteServer): Promise<{ rx: Receiver; id: number; secret: string }> {
  const rx = await Receiver.start('ok')
  after(() => rx.close())
  const r = await t.s.request('POST', '/v1/webhooks', {
    token: t.admin,
    body: { url: rx.url, events: ['key.created'] },
  })
  assert.equal(r.status, 201, r.text)
  return { rx, id: r.body.webhook.id, secret: r.body.secret }
}

const rotate = (t: SuiteServer, id: number, body?: object) =>
  t.s.request('POST', `/v1/webhooks/${id}/rotate-secret`, { token: t.admin, ...(body && { body }) })

const endOverlap = (t: SuiteServer, id: number, token = t.admin) =>
  t.s.request('POST', `/v1/webhooks/${id}/end-overlap`, { token })

async function sendTest(t: SuiteServer, rx: Receiver, id: number): Promise<Received> {
  const before = rx.received.length
  assert.equal((await t.s.request('POST', `/v1/webhooks/${id}/test`, { token: t.admin })).status, 202)
  await until(() => rx.received.length > before, 10_000, 'the test event')
  return rx.received[before]!
}

/** The event type, once the real Standard Webhooks library has checked the signature with `secret`. */
const verified = (secret: string, m: Received) =>
  (new Webhook(secret).verify(m.body, m.headers as Record<string, string>) as { type: string }).type

const clientVerified = async (secret: string, m: Received) =>
  verifyWebhook(secret, m.headers as Record<string, string>, m.body).then(
    () => true,
    () => false,
  )
