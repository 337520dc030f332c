import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { TAKEN_OVER, adminTakenOver } from '../security/fixture.js'
import { Receiver } from '../webhooks/receiver.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1', KEYWARD_WEBHOOK_TIMEOUT_MS: '500' }

/**
 * An account opened with an invitation K (or a login of K's line) made has a password of K's line: what it does next
 * (changes its own password, configures a webhook) is the line's too, and ends with `revoke K {minted: true}`
 * (helper-112, checking the fix for helper-111's find).
 */
for (const store of STORES) {
  describe(`what an invitation-opened account of K's line does next (${store})`, () => {
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

    async function opened(tag: string, by: 'login' | 'key') {
      const o = await s.request('POST', '/v1/organizations', {
        token: admin,
        body: { name: 'Acme', handle: `iaa-${tag}` },
      })
      assert.equal(o.status, 201, o.text)
      const leaked = await s.createKey(admin, { name: `iaa-k-${tag}` })
      let maker = leaked.key
      if (by === 'login') {
        const email = `iaa-a-${tag}@example.com`
        await adminTakenOver(s, admin, email, leaked.key)
        maker = await s.login(email, TAKEN_OVER)
      }
      const evil = `iaa-evil-${tag}@evil.example`
      const inv = await s.request('POST', `/v1/organizations/${o.body.id}/invitations`, {
        token: maker,
        body: { email: evil, role: 'owner' },
      })
      assert.equal(inv.status, 201, inv.text)
      const a = await s.request('POST', '/v1/invitations/accept', {
        body: { token: inv.body.token, password: 'holder-chose-this-1' },
      })
      assert.equal(a.status, 200, a.text)
      return { leaked, evil, orgId: o.body.id as number, session: await s.login(evil, 'holder-chose-this-1') }
    }

    for (const by of ['login', 'key'] as const) {
      it(`(${by}) a password the account changes itself still ends`, async () => {
        const tag = randomBytes(3).toString('hex')
        const { leaked, evil, session } = await opened(tag, by)
        const ch = await s.request('POST', `/v1/auth/password`, {
          token: session,
          body: { current_password: 'holder-chose-this-1', new_password: 'holder-chose-next-2' },
        })
        assert.ok(ch.status === 204 || ch.status === 200, ch.text)
        const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
        assert.equal(r.status, 200, r.text)
        const li = await s.request('POST', '/v1/auth/login', { body: { email: evil, password: 'holder-chose-next-2' } })
        assert.notEqual(li.status, 200, `BROKEN: changed password outlives the revoke (${r.text})`)
      })

      it(`(${by}) a webhook the account configures ends with it`, async () => {
        const tag = randomBytes(3).toString('hex')
        const { leaked, session } = await opened(tag, by)
        const rx = await Receiver.start('ok')
        rxs.push(rx)
        // The account is an org owner, not a site admin: its own webhook.
        const hook = await s.request('POST', '/v1/webhooks', {
          token: session,
          body: { url: rx.url, events: ['key.created'] },
        })
        assert.equal(hook.status, 201, hook.text)
        const made = await s.request('GET', `/v1/keys/${leaked.id}/made`, { token: admin })
        const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
        assert.equal(r.status, 200, r.text)
        assert.equal(r.body.webhooks_ended, 1, `made=${made.text} revoke=${r.text}`)
      })
    }
  })
}
