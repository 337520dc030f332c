import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { STORES, serverForSuite } from '../helpers.js'
import { type Received, Receiver, until } from '../webhooks/receiver.js'

/**
 * A leak report that revokes or disables a key is that key's revocation or disabling: a receiver
 * subscribed to `key.revoked` (a downstream cache purging revoked keys) or `key.disabled` must hear
 * of it, as it hears of every other way a key is revoked or disabled. It heard only `key.leaked`.
 */
for (const store of STORES) {
  for (const action of ['revoke', 'disable'] as const) {
    describe(`a leak report that ${action}s a key tells ${action}d subscribers (${store})`, () => {
      const t = serverForSuite(store, { env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1', KEYWARD_LEAK_ACTION: action } })
      const receivers: Receiver[] = []
      after(async () => {
        for (const rx of receivers) await rx.close()
      })

      it(`emits key.${action}d beside key.leaked, signed, once`, async () => {
        const rx = await Receiver.start('ok')
        receivers.push(rx)
        const type = `key.${action}d`
        const hook = await t.s.request('POST', '/v1/webhooks', {
          token: t.admin,
          body: { url: rx.url, events: [type] },
        })
        assert.equal(hook.status, 201, hook.text)
        const k = await t.s.createKey(t.admin, { name: `leaked-${action}` })
        const report = await t.s.kw.app.inject({ method: 'POST', url: '/v1/keys/leaked', payload: { key: k.key } })
        assert.equal(report.statusCode, 202)
        assert.equal((await t.s.verify(t.admin, k.key)).code, action === 'revoke' ? 'REVOKED' : 'DISABLED')
        const about = (r: Received) => JSON.parse(r.body) as { type: string; data: { id: number; status: string } }
        const heard = () => rx.received.filter((r) => about(r).type === type && about(r).data.id === k.id)
        await until(() => heard().length > 0, 10_000, `BROKEN: no ${type} for a key a leak report ${action}d`)
        const [delivery] = heard()
        const payload = new Webhook(hook.body.secret).verify(delivery!.body, flat(delivery!.headers))
        assert.equal((payload as { data: { status: string } }).data.status, `${action}d`)
        // A second report of the same secret changes nothing and says nothing more.
        await t.s.kw.app.inject({ method: 'POST', url: '/v1/keys/leaked', payload: { key: k.key } })
        await new Promise((r) => setTimeout(r, 1500))
        assert.equal(heard().length, 1)
      })
    })
  }
}

const flat = (h: Received['headers']) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]))
