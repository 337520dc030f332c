import assert from 'node:assert/strict'
import { createHmac, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { TAKEN_OVER, adminTakenOver } from '../security/fixture.js'
import { Receiver, type Received, until } from '../webhooks/receiver.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1', KEYWARD_WEBHOOK_TIMEOUT_MS: '500' }

/** Whether `secret` (known to the line's login) produced one of the delivery's signatures. */
function signedWith(x: Received, secret: string): boolean {
  const id = x.headers['webhook-id'] as string
  const ts = x.headers['webhook-timestamp'] as string
  const want = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
    .update(`${id}.${ts}.${x.body}`)
    .digest('base64')
  return String(x.headers['webhook-signature']).split(' ').includes(`v1,${want}`)
}

/**
 * A webhook's line is who was shown its secret or chose where it sends (helper-112's finds on the first fix): an
 * owner's edit of the URL or events wiped it, and the secret the line's login was shown kept signing after the
 * revoke (a forger's key), or events kept going to the URL it chose; a grace rotation resumed it with that secret
 * signing beside the new one; a webhook K itself configured resumed on a new URL. The line now only grows, a minted
 * revoke marks every webhook it holds, and only a rotation without overlap takes one back.
 */
for (const store of STORES) {
  describe(`webhook secret a leaked line's login was shown (${store})`, () => {
    let s: TestServer
    let admin: string
    let adminId: number
    const rxs: Receiver[] = []
    before(async () => {
      s = await TestServer.start(store, { env: ENV })
      admin = await s.adminToken()
      adminId = (await s.request('GET', '/v1/auth/whoami', { token: admin })).body.actor.id
    })
    after(async () => {
      await Promise.all(rxs.map((r) => r.close()))
      await s?.close()
    })
    const receiver = async () => {
      const rx = await Receiver.start('ok')
      rxs.push(rx)
      return rx
    }

    async function lineWebhook(run: string) {
      const leaked = await s.createKey(admin, { name: `wls-k-${run}` })
      const email = `wls-${run}@example.com`
      await adminTakenOver(s, admin, email, leaked.key)
      const theirs = await s.login(email, TAKEN_OVER)
      const rx = await receiver()
      const hook = await s.request('POST', '/v1/webhooks', {
        token: theirs,
        body: { url: rx.url, events: ['key.created'], owner: { kind: 'user', id: adminId } },
      })
      assert.equal(hook.status, 201, hook.text)
      return { leaked, theirs, rx, hookId: hook.body.webhook.id as number, secret: hook.body.secret as string }
    }

    it("an owner's events/URL edit before the revoke erases the line: the secret the login was shown keeps signing", async () => {
      const run = randomBytes(3).toString('hex')
      const { leaked, hookId, secret } = await lineWebhook(run)
      // The owner points it at their own receiver (or just edits the events): not a rotation.
      const mine = await receiver()
      const p = await s.request('PATCH', `/v1/webhooks/${hookId}`, {
        token: admin,
        body: { url: mine.url, events: ['key.created', 'key.revoked'] },
      })
      assert.equal(p.status, 200, p.text)
      const made = await s.request('GET', `/v1/keys/${leaked.id}/made`, { token: admin })
      const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      await s.createKey(admin, { name: `after-${run}` })
      await until(() => mine.received.some((x) => x.body.includes(`after-${run}`)), 3_000, 'a delivery').catch(() => {})
      const forged = mine.received.filter((x) => x.body.includes(`after-${run}`) && signedWith(x, secret))
      assert.equal(
        forged.length,
        0,
        `BROKEN: after the minted revoke (made=${made.text}, answer webhooks_ended=${r.body.webhooks_ended}) ` +
          `the webhook still delivers signed with the secret K's login was shown at create; its holder can forge deliveries`,
      )
    })

    it('a grace rotation cannot resume it (409): the secret the login knew would sign on', async () => {
      const run = randomBytes(3).toString('hex')
      const { leaked, rx, hookId, secret } = await lineWebhook(run)
      const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.webhooks_ended, 1, r.text)
      const graced = await s.request('POST', `/v1/webhooks/${hookId}/rotate-secret`, {
        token: admin,
        body: { grace_period_s: 3600 },
      })
      assert.equal(graced.status, 409, `BROKEN: a grace rotation resumed it, the leaked secret signing: ${graced.text}`)
      assert.equal(graced.body.error.code, 'conflict')
      const rot = await s.request('POST', `/v1/webhooks/${hookId}/rotate-secret`, { token: admin, body: {} })
      assert.equal(rot.status, 200, rot.text)
      await s.createKey(admin, { name: `resumed-${run}` })
      await until(() => rx.received.some((x) => x.body.includes(`resumed-${run}`)), 10_000, 'resumed delivery')
      const d = rx.received.find((x) => x.body.includes(`resumed-${run}`))!
      assert.equal(
        signedWith(d, secret),
        false,
        "BROKEN: the line's mark was cleared by a grace rotation, and deliveries still carry a signature with the leaked secret for the grace",
      )
    })
    it('a webhook K itself configured resumes on a new URL, signed with the secret K was shown', async () => {
      const run = randomBytes(3).toString('hex')
      const leaked = await s.createKey(admin, { name: `wls-kk-${run}` })
      const rx = await receiver()
      const hook = await s.request('POST', '/v1/webhooks', {
        token: leaked.key,
        body: { url: rx.url, events: ['key.created'] },
      })
      assert.equal(hook.status, 201, hook.text)
      const secret = hook.body.secret as string
      const hookId = hook.body.webhook.id as number
      const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      const mine = await receiver()
      const p = await s.request('PATCH', `/v1/webhooks/${hookId}`, { token: admin, body: { url: mine.url } })
      assert.equal(p.status, 200, p.text)
      await s.createKey(admin, { name: `kk-after-${run}` })
      await until(() => mine.received.some((x) => x.body.includes(`kk-after-${run}`)), 3_000, 'a delivery').catch(
        () => {},
      )
      const forged = mine.received.filter((x) => x.body.includes(`kk-after-${run}`) && signedWith(x, secret))
      assert.equal(
        forged.length,
        0,
        'BROKEN: a new URL resumed the webhook K configured, signed with the secret K was shown',
      )
    })
    it("an owner's events-only edit before the revoke: key events keep going to the URL K's login chose", async () => {
      const run = randomBytes(3).toString('hex')
      const { leaked, rx, hookId } = await lineWebhook(run)
      const p = await s.request('PATCH', `/v1/webhooks/${hookId}`, {
        token: admin,
        body: { events: ['key.created', 'key.revoked'] },
      })
      assert.equal(p.status, 200, p.text)
      const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      await s.createKey(admin, { name: `ev-after-${run}` })
      await until(() => rx.received.some((x) => x.body.includes(`ev-after-${run}`)), 3_000, 'a delivery').catch(
        () => {},
      )
      assert.equal(
        rx.received.some((x) => x.body.includes(`ev-after-${run}`)),
        false,
        `BROKEN: the holder's receiver still gets key events after the minted revoke (webhooks_ended=${r.body.webhooks_ended})`,
      )
    })
  })
}
