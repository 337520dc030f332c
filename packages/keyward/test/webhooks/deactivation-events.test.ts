import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { type OrgWorld, expectStatus, join, orgWorld } from '../orgs/fixture.js'
import { Receiver, until } from './receiver.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1' }
const EVENTS = ['key.disabled', 'key.enabled', 'key.revoked']

/**
 * A person's deactivation changes the status of every key they are responsible for without a
 * write to those keys, so a webhook-fed mirror must hear it: `key.disabled` for each live key
 * (their own, their personal organization's), `key.enabled` on reactivation, never for a shared
 * organization's key, a key switched off on its own, or a revoked one; chunk by chunk (more keys
 * than one SQLite chunk of 100), and finished by the sweeper when a node died between chunks.
 * A real HTTP receiver on loopback.
 */
for (const store of STORES) {
  describe(`deactivation announces its keys' status to webhooks (${store})`, () => {
    let s: TestServer
    let w: OrgWorld
    let rx: Receiver
    before(async () => {
      s = await TestServer.start(store, { env: ENV })
      w = await orgWorld(s)
      rx = await Receiver.start('ok')
      const hook = await s.request('POST', '/v1/webhooks', { token: w.admin, body: { url: rx.url, events: EVENTS } })
      expectStatus(hook, 201, 'admin webhook')
    })
    after(async () => {
      await rx?.close()
      await s?.close()
    })

    /** A member of acme with the admin role (may make its keys), and keys of every kind around them. */
    async function person(name: string) {
      const u = await s.member(name, w.admin)
      await join(s, w.owner.token, w.acme.id, { ...u, email: `${name}@example.com`, password: '' }, 'admin')
      const orgs = await s.request('GET', '/v1/organizations', { token: u.token })
      const mine = orgs.body.organizations.find((o: { personal: boolean }) => o.personal).id as number
      const live: number[] = []
      for (let i = 0; i < 110; i++) live.push((await s.createKey(u.token, { name: `${name}-${i}` })).id)
      // Every branch of the person rule: their own keys above; their personal organization's, its
      // application's and its device's here (`personsKeys` restates `KeyRepository.selectKeys`' rule).
      const app = await s.request('POST', '/v1/applications', {
        token: u.token,
        body: { name: `${name}-fleet`, organization_id: mine },
      })
      expectStatus(app, 201, 'application in the personal organization')
      const dev = await s.request('POST', '/v1/devices', { token: u.token, body: { application_id: app.body.id } })
      expectStatus(dev, 201, 'device of that application')
      for (const owner of [
        { kind: 'application', id: app.body.id },
        { kind: 'device', id: dev.body.id },
        { kind: 'organization', id: mine },
      ])
        live.push((await s.createKey(u.token, { owner })).id)
      const shared = await s.createKey(u.token, { owner: { kind: 'organization', id: w.acme.id } })
      const off = await s.createKey(u.token)
      expectStatus(await s.request('POST', `/v1/keys/${off.id}/disable`, { token: u.token }), 200, 'switch off')
      const revoked = await s.createKey(u.token)
      expectStatus(await s.request('POST', `/v1/keys/${revoked.id}/revoke`, { token: u.token }), 200, 'revoke')
      return { ...u, live, quiet: [shared.id, off.id, revoked.id] }
    }
    /**
     * Runs `change`, waits for `type` about each of `ids` among the events received since, and
     * fails on any disabled/enabled event since about the `quiet` keys. The events since.
     */
    async function announced(change: () => Promise<void>, type: string, ids: number[], quiet: number[]) {
      await until(async () => (await undelivered()) === 0, 20_000, 'the set-up’s events delivered')
      const from = rx.events().length
      await change()
      const since = () => rx.events().slice(from)
      const about = () => since().filter((e) => e.type === type && ids.includes(e.data.id as number))
      await until(() => new Set(about().map((e) => e.data.id)).size === ids.length, 20_000, `${type} × ${ids.length}`)
      const noise = since().filter((e) => e.type !== 'key.revoked' && quiet.includes(e.data.id as number))
      assert.deepEqual(
        noise.map((e) => `${e.type} ${String(e.data.id)}`),
        [],
      )
      return about()
    }
    const undelivered = async () =>
      (await db().selectFrom('key_event').select('id').where('dispatched_at', 'is', null).execute()).length +
      (await db().selectFrom('webhook_delivery').select('id').where('status', '=', 'pending').execute()).length
    const db = () => s.kw.services.store.db
    /** An admin's request, as a change `announced` runs. */
    const call = (method: 'POST' | 'DELETE', path: string, status: number) => async () =>
      expectStatus(await s.request(method, path, { token: w.admin }), status, path)

    it('deactivation sends key.disabled for each live key the person holds; reactivation key.enabled', async () => {
      const p = await person(`ann${store}`)
      const disabled = await announced(
        call('POST', `/v1/users/${p.id}/deactivate`, 200),
        'key.disabled',
        p.live,
        p.quiet,
      )
      assert.equal(disabled.length, p.live.length, 'each key once')
      for (const e of disabled) {
        assert.equal(e.data.status, 'disabled')
        assert.equal(typeof e.data.user_deactivated_at, 'string')
      }
      const enabled = await announced(call('POST', `/v1/users/${p.id}/reactivate`, 200), 'key.enabled', p.live, p.quiet)
      assert.equal(enabled.length, p.live.length, 'each key once')
      for (const e of enabled) assert.equal(e.data.status, 'active')
    })

    it('an announcement a node left unfinished is finished by the sweeper', async () => {
      const p = await person(`swept${store}`)
      await announced(call('POST', `/v1/users/${p.id}/deactivate`, 200), 'key.disabled', p.live, p.quiet)
      // As a node dying right after the deactivation's commit leaves it: every key still owed —
      // once this node's own announcement has finished, so only the sweeper can send them again.
      const db = s.kw.services.store.db
      const owedNow = async () =>
        (await db.selectFrom('user').select('keys_announced_through').where('id', '=', p.id).executeTakeFirst())
          ?.keys_announced_through
      await until(async () => (await owedNow()) === null, 10_000, 'the announcement finished')
      await db.updateTable('user').set({ keys_announced_through: 0 }).where('id', '=', p.id).execute()
      const again = await announced(
        async () => {
          await s.kw.services.sweeper.sweep()
          const owed = await db.selectFrom('user').select('keys_announced_through').where('id', '=', p.id).execute()
          assert.equal(owed[0]?.keys_announced_through, null, 'nothing owed after the sweep')
        },
        'key.disabled',
        p.live,
        p.quiet,
      )
      assert.equal(again.length, p.live.length, 'each key once')
    })

    it('a repeated change owes nothing: reactivating the active, deactivating the deactivated', async () => {
      const p = await person(`again${store}`)
      const owed = async () =>
        (await db().selectFrom('user').select('keys_announced_through').where('id', '=', p.id).executeTakeFirst())
          ?.keys_announced_through
      /** Runs `change`, waits until nothing is owed or undelivered, and fails on any status event since. */
      async function nothingAnnounced(change: () => Promise<void>) {
        await until(async () => (await undelivered()) === 0, 20_000, 'the set-up’s events delivered')
        const from = rx.events().length
        await change()
        await until(async () => (await owed()) === null && (await undelivered()) === 0, 20_000, 'all settled')
        const sent = rx
          .events()
          .slice(from)
          .filter((e) => e.type === 'key.enabled' || e.type === 'key.disabled')
        assert.deepEqual(
          sent.map((e) => `${e.type} ${String(e.data.id)}`),
          [],
        )
      }
      // Reactivating an active person sent key.enabled for every key (20,000 for a fleet), each time.
      await nothingAnnounced(call('POST', `/v1/users/${p.id}/reactivate`, 200))
      await announced(call('POST', `/v1/users/${p.id}/deactivate`, 200), 'key.disabled', p.live, p.quiet)
      await nothingAnnounced(call('POST', `/v1/users/${p.id}/deactivate`, 200))
    })

    it('a deleted person’s personal organization keys are announced disabled, their own revoked', async () => {
      const p = await person(`gone${store}`)
      const [own, org] = [p.live.slice(0, -3), p.live.slice(-3)]
      const deleted = await announced(call('DELETE', `/v1/users/${p.id}`, 204), 'key.disabled', org, p.quiet)
      assert.equal(deleted.length, org.length, 'only the personal organization’s keys, once each')
      const revoked = rx.events().filter((e) => e.type === 'key.revoked' && own.includes(e.data.id as number))
      assert.equal(new Set(revoked.map((e) => e.data.id)).size, own.length, 'their own keys revoked, announced')
    })
  })
}
