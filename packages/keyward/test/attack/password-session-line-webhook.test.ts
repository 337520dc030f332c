import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { TAKEN_OVER, adminTakenOver } from '../security/fixture.js'
import { Receiver, until } from '../webhooks/receiver.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1', KEYWARD_WEBHOOK_TIMEOUT_MS: '500' }

/**
 * A webhook is a standing read of key events, sent where its configurer chose and signed with a secret they hold.
 * The holder of a leaked key K, signed in as an admin whose password K chose, configured one on the main admin's
 * keys; `revoke K {minted: true}` ended the login, but the webhook was no key's and its configurer still an admin,
 * so it went on sending every key event to the holder (helper-111's find). One a login of K's line configured now
 * sends nothing after that revoke until its owner, or an admin, configures it again.
 */
for (const store of STORES) {
  describe(`a webhook a login of a leaked key's password configured ends with the key (${store})`, () => {
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
    const sent = (rx: Receiver, name: string) => rx.received.some((x) => x.body.includes(name))

    /** Admin A, whose password leaked key K set; a login of it; and a webhook on the admin's keys it configured. */
    async function configuredThroughK(run: string) {
      const leaked = await s.createKey(admin, { name: `pslw-k-${run}` })
      const email = `pslw-${run}@example.com`
      await adminTakenOver(s, admin, email, leaked.key)
      const theirs = await s.login(email, TAKEN_OVER)
      const rx = await receiver()
      const hook = await s.request('POST', '/v1/webhooks', {
        token: theirs,
        body: { url: rx.url, events: ['key.created'], owner: { kind: 'user', id: adminId } },
      })
      assert.equal(hook.status, 201, hook.text)
      await s.createKey(admin, { name: `before-${run}` })
      await until(() => sent(rx, `before-${run}`), 10_000, 'the first delivery')
      return { leaked, theirs, rx, hookId: hook.body.webhook.id as number }
    }

    it('sends nothing after the minted revoke, says why, and resumes once configured again', async () => {
      const run = randomBytes(3).toString('hex')
      const { leaked, theirs, rx, hookId } = await configuredThroughK(run)
      const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      assert.equal((await s.request('GET', '/v1/auth/whoami', { token: theirs })).status, 401, 'the login ended')

      await s.createKey(admin, { name: `after-${run}` })
      const deliveries = async () => {
        const d = await s.request('GET', `/v1/webhooks/${hookId}/deliveries`, { token: admin })
        assert.equal(d.status, 200, d.text)
        return d.body.deliveries as any[]
      }
      await until(async () => (await deliveries()).some((d) => d.last_error), 10_000, 'the withheld delivery')
      assert.equal(sent(rx, `after-${run}`), false, "BROKEN: the webhook K's line login configured still sends")
      assert.match(
        (await deliveries())[0].last_error,
        new RegExp(`not sent: configured through key ${leaked.id} .*rotate its secret`),
      )
      const audit = await s.request('GET', `/v1/audit?action=webhook.update&limit=5`, { token: admin })
      assert.equal(audit.status, 200, audit.text)
      assert.ok(
        audit.body.events.some((e: any) => e.details?.root_key_id === leaked.id && e.target_id === String(hookId)),
        `audited on the webhook, naming the key: ${audit.text}`,
      )

      // A new URL alone does not resume it: the login may know the secret, and sign forged deliveries with it.
      const again = await s.request('PATCH', `/v1/webhooks/${hookId}`, { token: admin, body: { url: rx.url } })
      assert.equal(again.status, 200, again.text)
      await s.createKey(admin, { name: `patched-${run}` })
      const withheld = async () => (await deliveries()).filter((d) => d.last_error?.includes('rotate its secret'))
      await until(async () => (await withheld()).length >= 2, 10_000, 'withheld after a new URL too')
      assert.equal(sent(rx, `patched-${run}`), false, 'BROKEN: a new URL resumed it with a secret the login knew')
      const rotated = await s.request('POST', `/v1/webhooks/${hookId}/rotate-secret`, { token: admin, body: {} })
      assert.equal(rotated.status, 200, rotated.text)
      await s.createKey(admin, { name: `resumed-${run}` })
      await until(() => sent(rx, `resumed-${run}`), 10_000, 'with a new secret, it sends')
    })

    it("a plain revoke leaves it (as the line's keys and passwords)", async () => {
      const run = randomBytes(3).toString('hex')
      const { leaked, rx } = await configuredThroughK(run)
      const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: {} })
      assert.equal(r.status, 200, r.text)
      await s.createKey(admin, { name: `plain-${run}` })
      await until(() => sent(rx, `plain-${run}`), 10_000, 'still sending after a plain revoke')
    })

    it('a webhook the login configures while the revoke ends it is refused or ended', async () => {
      const run = randomBytes(3).toString('hex')
      const { leaked, theirs } = await configuredThroughK(run)
      const rx = await receiver()
      const racing = Array.from({ length: 8 }, () =>
        s.request('POST', '/v1/webhooks', {
          token: theirs,
          body: { url: rx.url, events: ['key.created'], owner: { kind: 'user', id: adminId } },
        }),
      )
      const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      const answers = await Promise.all(racing)
      assert.ok(
        answers.every((a) => a.status === 201 || a.status === 401),
        answers.map((a) => a.text).join('\n'),
      )
      await s.createKey(admin, { name: `raced-${run}` })
      const listed = await s.request('GET', '/v1/webhooks', { token: admin })
      const ours = listed.body.webhooks.filter((w: any) => w.url === rx.url)
      assert.ok(ours.length > 0 || answers.every((a) => a.status === 401), 'the 201s are listed')
      // Each one's delivery of the key made after the revoke decided: sent (succeeded) or withheld (failed, why).
      const decided = async (id: number) => {
        const d = await s.request('GET', `/v1/webhooks/${id}/deliveries`, { token: admin })
        return (d.body.deliveries as any[]).some((x) => x.status !== 'pending')
      }
      for (const w of ours) await until(() => decided(w.id), 10_000, `webhook ${w.id}'s delivery decided`)
      assert.equal(sent(rx, `raced-${run}`), false, 'BROKEN: a webhook configured during the revoke sends')
    })
  })
}
