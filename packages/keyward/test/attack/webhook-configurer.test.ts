import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { Receiver, until } from '../webhooks/receiver.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1', KEYWARD_WEBHOOK_TIMEOUT_MS: '500' }

/**
 * A webhook is a standing read of its owner's key events (core/authz.ts,
 * `requireMayConfigureWebhook`). Found by an attacker: a key with `webhooks:write` and no
 * `keys:read` read every key of its owner through a webhook it made (an admin's: every key of
 * every user); a webhook made by a key that expires kept delivering after that key was revoked.
 * Real receivers on loopback; the dispatcher's own decisions, read from the deliveries list.
 */
for (const store of STORES) {
  describe(`attack: a webhook holds no more than the key that configured it (${store})`, () => {
    let s: TestServer
    let admin: string
    const rxs: Receiver[] = []
    before(async () => {
      s = await TestServer.start(store, { env: ENV })
      admin = await s.adminToken()
    })
    after(async () => {
      await Promise.all(rxs.map((r) => r.close()))
      await s?.close()
    })
    const receiver = async () => {
      const r = await Receiver.start('ok')
      rxs.push(r)
      return r
    }
    const hook = (token: string, url: string) =>
      s.request('POST', '/v1/webhooks', { token, body: { url, events: ['key.created'] } })

    it('configuring a webhook takes keys:read as well as webhooks:write, for a member and an admin', async () => {
      const alice = await s.member('alice', admin)
      const rx = await receiver()
      for (const token of [alice.token, admin]) {
        const narrow = await s.createKey(token, { scopes: ['webhooks:write'] })
        const r = await hook(narrow.key, rx.url)
        assert.equal(r.status, 403, `BROKEN: ${r.text}`)
        assert.match(r.body.error.message, /keys:read/)
      }
      const both = await s.createKey(alice.token, { scopes: ['webhooks:write', 'keys:read'] })
      const made = await hook(both.key, rx.url)
      assert.equal(made.status, 201, made.text)
      // Changing where it sends (or rotating its secret) is configuring it again.
      const narrow = await s.createKey(alice.token, { scopes: ['webhooks:write'] })
      const id = made.body.webhook.id
      const moved = await s.request('PATCH', `/v1/webhooks/${id}`, { token: narrow.key, body: { url: rx.url } })
      assert.equal(moved.status, 403, `BROKEN update: ${moved.text}`)
      const rotated = await s.request('POST', `/v1/webhooks/${id}/rotate-secret`, { token: narrow.key })
      assert.equal(rotated.status, 403, `BROKEN rotate: ${rotated.text}`)
      const described = await s.request('PATCH', `/v1/webhooks/${id}`, {
        token: narrow.key,
        body: { description: 'a note' },
      })
      assert.equal(described.status, 200, `a description is not configuration: ${described.text}`)
    })

    it('a key with bounds of its own (an expiry) configures no webhook', async () => {
      const carol = await s.member('carol', admin)
      const expiring = await s.createKey(carol.token, { expires_at: new Date(Date.now() + 3_600_000).toISOString() })
      const r = await hook(expiring.key, (await receiver()).url)
      assert.equal(r.status, 403, `BROKEN: ${r.text}`)
    })

    it('a webhook falls silent when the key that configured it is revoked, and says why', async () => {
      const dave = await s.member('dave', admin)
      const k = await s.createKey(dave.token)
      const rx = await receiver()
      const made = await hook(k.key, rx.url)
      assert.equal(made.status, 201, made.text)
      await s.createKey(dave.token, { name: 'before-revoke' })
      await until(() => rx.received.some((x) => x.body.includes('before-revoke')), 10_000, 'the first delivery')
      const revoked = await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: dave.token, body: {} })
      assert.equal(revoked.status, 200, revoked.text)
      await s.createKey(dave.token, { name: 'after-revoke' })
      const id = made.body.webhook.id
      const why = async () => {
        const d = await s.request('GET', `/v1/webhooks/${id}/deliveries`, { token: dave.token })
        return (d.body.deliveries as { status: string; last_error: string | null }[]).find((x) => x.status === 'failed')
      }
      await until(async () => (await why()) !== undefined, 10_000, 'the withheld delivery')
      assert.match((await why())!.last_error!, /the key that configured this webhook is revoked/)
      assert.ok(!rx.received.some((x) => x.body.includes('after-revoke')), 'BROKEN: delivered after the revoke')
      // Configured again by a live credential (the person's session), it hears again.
      const renewed = await s.request('PATCH', `/v1/webhooks/${id}`, { token: dave.token, body: { url: rx.url } })
      assert.equal(renewed.status, 200, renewed.text)
      await s.createKey(dave.token, { name: 'after-renewal' })
      await until(() => rx.received.some((x) => x.body.includes('after-renewal')), 10_000, 'delivery once renewed')
    })

    it("a webhook an admin's key configured for a member falls silent when that admin is deactivated", async () => {
      // Deactivated, the admin may manage nothing (and their key verifies DISABLED).
      const second = await s.member('second-admin', admin)
      const promoted = await s.request('PATCH', `/v1/users/${second.id}`, { token: admin, body: { role: 'admin' } })
      assert.equal(promoted.status, 200, promoted.text)
      const erin = await s.member('erin', admin)
      const adminKey = await s.createKey(second.token)
      const rx = await receiver()
      const made = await s.request('POST', '/v1/webhooks', {
        token: adminKey.key,
        body: { url: rx.url, events: ['key.created'], owner: { kind: 'user', id: erin.id } },
      })
      assert.equal(made.status, 201, made.text)
      const off = await s.request('POST', `/v1/users/${second.id}/deactivate`, { token: admin })
      assert.equal(off.status, 200, off.text)
      await s.createKey(erin.token, { name: 'after-deactivation' })
      const id = made.body.webhook.id
      await until(
        async () => {
          const d = await s.request('GET', `/v1/webhooks/${id}/deliveries`, { token: admin })
          return (d.body.deliveries as { last_error: string | null }[]).some((x) =>
            /whoever configured this webhook for its owner is deactivated/.test(x.last_error ?? ''),
          )
        },
        10_000,
        'the withheld delivery',
      )
      assert.ok(!rx.received.some((x) => x.body.includes('after-deactivation')), 'BROKEN: delivered')
    })

    for (const via of ['key', 'session'] as const) {
      it(`a webhook an admin configured for a member (by ${via}) falls silent once that admin is demoted`, async () => {
        // Found by an attacker: demoted, the admin saw nothing of the member's, yet the webhook
        // they made kept sending the member's key events where they chose.
        const a2 = await s.member(`demoted-${via}`, admin)
        const up = await s.request('PATCH', `/v1/users/${a2.id}`, { token: admin, body: { role: 'admin' } })
        assert.equal(up.status, 200, up.text)
        const bob = await s.member(`bob-${via}`, admin)
        const token = via === 'key' ? (await s.createKey(a2.token)).key : a2.token
        const rx = await receiver()
        const made = await s.request('POST', '/v1/webhooks', {
          token,
          body: { url: rx.url, events: ['key.created'], owner: { kind: 'user', id: bob.id } },
        })
        assert.equal(made.status, 201, made.text)
        const down = await s.request('PATCH', `/v1/users/${a2.id}`, { token: admin, body: { role: 'member' } })
        assert.equal(down.status, 200, down.text)
        await s.createKey(bob.token, { name: `after-demotion-${via}` })
        const id = made.body.webhook.id
        await until(
          async () => {
            const d = await s.request('GET', `/v1/webhooks/${id}/deliveries`, { token: admin })
            return (d.body.deliveries as { last_error: string | null }[]).some((x) =>
              /whoever configured this webhook for its owner is no longer an administrator/.test(x.last_error ?? ''),
            )
          },
          10_000,
          'the withheld delivery',
        )
        assert.ok(!rx.received.some((x) => x.body.includes(`after-demotion-${via}`)), 'BROKEN: delivered')
        // The owner configuring it again takes it over: it hears again.
        const mine = await s.request('PATCH', `/v1/webhooks/${id}`, { token: bob.token, body: { url: rx.url } })
        assert.equal(mine.status, 200, mine.text)
        await s.createKey(bob.token, { name: `after-takeover-${via}` })
        await until(() => rx.received.some((x) => x.body.includes(`after-takeover-${via}`)), 10_000, 'delivery')
      })
    }
  })
}
