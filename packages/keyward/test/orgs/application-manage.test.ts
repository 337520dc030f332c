import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ownedKeysChunk } from '../../src/store/owned-keys.js'
import { STORES, TestServer } from '../helpers.js'
import { fanOutAll, silentHook } from '../webhooks/fan-out.js'
import { type OrgWorld, expectStatus, orgWorld } from './fixture.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1' }

/** Applications are renamed and deleted by admins and owners of their organization, never beyond it. */
for (const store of STORES) {
  describe(`renaming and deleting applications (${store})`, () => {
    let s: TestServer
    /** A second node on the same database (PostgreSQL): its verify cache must drop the keys too. */
    let other: TestServer | null = null
    let w: OrgWorld
    before(async () => {
      s = await TestServer.start(store, { env: ENV })
      if (store === 'postgres') other = await TestServer.attach(s.config.databaseUrl, { env: ENV })
      w = await orgWorld(s)
    })
    after(async () => {
      await other?.kw.close()
      await s.close()
    })
    const db = () => s.kw.services.store.db
    const nodes = () => [s, other].filter((n) => n !== null)
    const verifyEverywhere = (key: string) => Promise.all(nodes().map((n) => n.verify(w.admin, key)))
    /**
     * The node that deleted it answers NOT_FOUND at once; another hears the eviction over the bus, a moment later
     * (asynchronous by design: DESIGN.md, "A bus heard"), so it is given up to 2 s.
     */
    const goneEverywhere = async (key: string) => {
      assert.equal((await s.verify(w.admin, key)).code, 'NOT_FOUND', 'the deleting node dropped it')
      const deadline = Date.now() + 2000
      for (;;) {
        const codes = (await verifyEverywhere(key)).map((v: { code: string }) => v.code)
        if (codes.every((c) => c === 'NOT_FOUND')) return
        if (Date.now() > deadline) assert.fail(`still ${codes.join(', ')} on some node 2 s after the deletion`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    const newApp = async (token: string, name: string) => {
      const r = await s.request('POST', '/v1/applications', { token, body: { name, organization_id: w.acme.id } })
      expectStatus(r, 201, 'create application')
      return r.body as { id: number; slug: string; actor_id: number }
    }

    it('an admin renames an application: its slug follows, balena finds it by the new one, a taken name is a 409', async () => {
      const app = await newApp(w.owner.token, 'sensors')
      const r = await s.request('PATCH', `/v1/applications/${app.id}`, {
        token: w.orgAdmin.token,
        body: { name: 'Probes' },
      })
      expectStatus(r, 200, 'rename')
      assert.equal(r.body.name, 'Probes')
      assert.equal(r.body.slug, 'acme/probes')
      const balena = await s.request('GET', `/v7/application?$filter=slug eq 'acme/probes'`, { token: w.owner.token })
      assert.equal(balena.body.d?.[0]?.id, app.id, balena.text)
      const taken = await s.request('PATCH', `/v1/applications/${app.id}`, {
        token: w.owner.token,
        body: { name: 'FLEET' },
      })
      expectStatus(taken, 409, 'a name the organization has, case aside')
      assert.equal(taken.body.error.code, 'conflict')
      assert.equal(taken.body.error.details.field, 'name')
      for (const name of ['a/b', '..', '-x', ''])
        expectStatus(
          await s.request('PATCH', `/v1/applications/${app.id}`, { token: w.owner.token, body: { name } }),
          400,
          `the name ${JSON.stringify(name)}`,
        )
      const dots = await s.request('POST', '/v1/applications', { token: w.owner.token, body: { name: '..' } })
      assert.match(dots.body.error.message, /starting with a letter or digit/, 'creation refuses it as well')
      const audit = await s.request('GET', `/v1/audit?action=application.update&target_id=${app.id}`, {
        token: w.owner.token,
      })
      assert.deepEqual(
        audit.body.events.map((e: { details: unknown }) => e.details),
        [{ slug: 'acme/probes', previous_slug: 'acme/sensors' }],
      )
    })

    // helper-125: the dashboard filtered the newest 500 of every application you see: an organization's could vanish.
    it("lists one organization's applications, none of an organization you do not belong to", async () => {
      const list = async (token: string, orgId: number) =>
        (
          (await s.request('GET', `/v1/applications?organization_id=${orgId}`, { token })).body.applications as {
            organization_id: number
          }[]
        ).map((a) => a.organization_id)
      const acme = await list(w.viewer.token, w.acme.id)
      assert.ok(acme.length > 0 && acme.every((o) => o === w.acme.id), JSON.stringify(acme))
      assert.deepEqual(await list(w.outsider.token, w.acme.id), [], 'not a member: none')
      assert.deepEqual(await list(w.admin, w.other.id), [w.other.id], 'an instance admin: any')
    })

    it('members, viewers, keys of the fleet and of the organization may not; another tenant gets a 404', async () => {
      const app = await newApp(w.owner.token, `who-${randomBytes(3).toString('hex')}`)
      const appKey = await s.createKey(w.owner.token, {
        owner: { kind: 'application', id: app.id },
        scopes: ['applications:write', 'applications:read'],
      })
      const orgKey = await s.createKey(w.owner.token, {
        owner: { kind: 'organization', id: w.acme.id },
        scopes: ['applications:write', 'applications:read'],
      })
      const narrow = await s.createKey(w.owner.token, { scopes: ['applications:read', 'keys:write'] })
      const cases: [string, string, number][] = [
        ['member', w.member.token, 403],
        ['viewer', w.viewer.token, 403],
        ["the application's own key", appKey.key, 403],
        ["the organization's key", orgKey.key, 403],
        ["the owner's key without applications:write", narrow.key, 403],
        ['an outsider', w.outsider.token, 404],
      ]
      for (const [who, token, status] of cases) {
        const rename = await s.request('PATCH', `/v1/applications/${app.id}`, { token, body: { name: 'taken-over' } })
        expectStatus(rename, status, `${who} renames`)
        const del = await s.request('DELETE', `/v1/applications/${app.id}`, { token })
        expectStatus(del, status, `${who} deletes`)
      }
      const still = await s.request('GET', `/v1/applications/${app.id}`, { token: w.owner.token })
      assert.equal(still.body.name, app.slug.split('/')[1], 'unchanged')
      for (const k of [appKey, orgKey]) assert.equal((await s.verify(w.admin, k.key)).valid, true)
    })

    it('deleting an application ends its devices and every key of both, in chunks, on every node', async () => {
      const chunk = ownedKeysChunk(s.kw.services.store.dialect)
      const [adminHook, orgAdminHook, outsiderHook] = [
        await silentHook(s, w.admin, ['key.deleted']),
        await silentHook(s, w.orgAdmin.token, ['key.deleted']),
        await silentHook(s, w.outsider.token, ['key.deleted']),
      ]
      const app = await newApp(w.orgAdmin.token, `gone-${randomBytes(3).toString('hex')}`)
      const devices: number[] = []
      for (let i = 0; i <= chunk; i += 50) {
        const batch = Array.from({ length: Math.min(50, chunk + 1 - i) }, () =>
          s.request('POST', '/v1/devices', { token: w.owner.token, body: { application_id: app.id } }),
        )
        for (const d of await Promise.all(batch)) devices.push(d.body.id)
      }
      assert.equal(devices.length, chunk + 1, 'more devices than one step takes')
      const deviceKeys = [
        await s.createKey(w.member.token, { owner: { kind: 'device', id: devices[0] } }),
        await s.createKey(w.member.token, { owner: { kind: 'device', id: devices.at(-1) } }),
      ]
      const provisioning = await s.createKey(w.owner.token, { owner: { kind: 'application', id: app.id } })
      const imported = await s.request('POST', '/v1/keys/import', {
        token: w.owner.token,
        body: {
          keys: Array.from({ length: chunk + 10 }, () => ({
            owner: { kind: 'application', id: app.id },
            plaintext: `ext_${randomBytes(24).toString('hex')}`,
          })),
        },
      })
      expectStatus(imported, 200, 'import')
      const ids = [...deviceKeys, provisioning].map((k) => k.id)
      ids.push(...(imported.body.keys as { id: number }[]).map((k) => k.id))
      ids.sort((a, b) => a - b)
      for (const k of [...deviceKeys, provisioning])
        assert.ok(
          (await verifyEverywhere(k.key)).every((v) => v.valid),
          'cached on every node first',
        )

      const del = await s.request('DELETE', `/v1/applications/${app.id}`, { token: w.orgAdmin.token })
      expectStatus(del, 204, 'delete')

      for (const k of [...deviceKeys, provisioning]) await goneEverywhere(k.key)
      assert.equal(await db().selectFrom('api_key').select('id').where('id', 'in', ids).executeTakeFirst(), undefined)
      assert.equal(
        await db().selectFrom('device').select('id').where('id', 'in', devices).executeTakeFirst(),
        undefined,
      )
      expectStatus(await s.request('GET', `/v1/applications/${app.id}`, { token: w.owner.token }), 404, 'application')
      expectStatus(await s.request('GET', `/v1/devices/${devices[0]}`, { token: w.owner.token }), 404, 'device')
      const events = db().selectFrom('key_event').select('key_id').where('type', '=', 'key.deleted')
      const deletedIds = (await events.where('key_id', 'in', ids).orderBy('key_id').execute()).map((e) => e.key_id)
      assert.deepEqual(deletedIds, ids, 'one key.deleted per key, none twice')
      await fanOutAll(s)
      const heard = async (hook: number) =>
        (await db().selectFrom('webhook_delivery').select('key_id').where('webhook_id', '=', hook).execute()).length
      assert.equal(await heard(adminHook), ids.length, 'admins hear of every key')
      // The organization's members too, though the rows that made the keys theirs went with them (migration 0039).
      assert.equal(await heard(orgAdminHook), ids.length, "the organization's members hear of every key")
      assert.equal(await heard(outsiderHook), 0, 'never another tenant')
      const audit = await s.request('GET', `/v1/audit?action=application.delete&target_id=${app.id}`, {
        token: w.owner.token,
      })
      assert.deepEqual(audit.body.events[0]?.details, { slug: app.slug, keys: ids.length, devices: devices.length })
      assert.equal((await s.verify(w.admin, w.keys.orgKeySecret)).valid, true, "the organization's own key stays")
    })

    it('members delete a device with its keys, on every node; its own keys, viewers and outsiders may not', async () => {
      const hook = await silentHook(s, w.member.token, ['key.deleted'])
      const dev = await s.request('POST', '/v1/devices', {
        token: w.owner.token,
        body: { application_id: w.acme.appId },
      })
      expectStatus(dev, 201, 'device')
      const owner = { kind: 'device', id: dev.body.id }
      const own = await s.createKey(w.owner.token, { owner, scopes: ['devices:write', 'devices:read'] })
      const appKey = await s.createKey(w.owner.token, {
        owner: { kind: 'application', id: w.acme.appId },
        scopes: ['devices:write', 'devices:read'],
      })
      const second = await s.createKey(w.member.token, { owner })
      for (const [who, token, status] of [
        ['viewer', w.viewer.token, 403],
        ["the device's own key", own.key, 403],
        ["its application's key", appKey.key, 403],
        ['an outsider', w.outsider.token, 404],
      ] as const)
        expectStatus(await s.request('DELETE', `/v1/devices/${dev.body.id}`, { token }), status, `${who} deletes`)
      for (const k of [own, second])
        assert.ok(
          (await verifyEverywhere(k.key)).every((v) => v.valid),
          'cached first',
        )
      expectStatus(await s.request('DELETE', `/v1/devices/${dev.body.id}`, { token: w.member.token }), 204, 'member')
      for (const k of [own, second]) await goneEverywhere(k.key)
      expectStatus(await s.request('GET', `/v1/devices/${dev.body.id}`, { token: w.owner.token }), 404, 'device')
      expectStatus(await s.request('DELETE', `/v1/devices/${dev.body.id}`, { token: w.member.token }), 404, 'again')
      await fanOutAll(s)
      const heard = await db().selectFrom('webhook_delivery').select('key_id').where('webhook_id', '=', hook).execute()
      assert.deepEqual(heard.map((d) => d.key_id).sort(), [own.id, second.id].sort(), 'the member hears of both')
      const audit = await s.request('GET', `/v1/audit?action=device.delete&target_id=${dev.body.id}`, {
        token: w.viewer.token,
      })
      assert.deepEqual(audit.body.events[0]?.details, { uuid: dev.body.uuid, keys: 2 }, 'its members read who did it')
      assert.equal((await s.verify(w.admin, appKey.key)).valid, true, "the application's key stays")
    })

    // helper-124: an identity of a deleted application stayed, seen and managed by no one (404 even to admins),
    // its credits still binding keys elsewhere in the organization.
    it('an application or device that owns an identity is not deleted until the identity is', async () => {
      const app = await newApp(w.owner.token, `ids-${randomBytes(3).toString('hex')}`)
      const dev = await s.request('POST', '/v1/devices', { token: w.owner.token, body: { application_id: app.id } })
      const ids: number[] = []
      for (const owner of [
        { kind: 'application', id: app.id },
        { kind: 'device', id: dev.body.id },
      ]) {
        const key = await s.createKey(w.owner.token, { owner, scopes: ['keys:write', 'keys:read'] })
        const identity = await s.request('POST', '/v1/identities', { token: key.key, body: { external_id: 'cust-1' } })
        expectStatus(identity, 201, `an identity of the ${owner.kind}`)
        ids.push(identity.body.id)
      }
      const device = await s.request('DELETE', `/v1/devices/${dev.body.id}`, { token: w.owner.token })
      expectStatus(device, 409, 'a device with an identity')
      assert.match(device.body.error.message, /the device owns identities \(\d+\): delete them first/)
      const refused = await s.request('DELETE', `/v1/applications/${app.id}`, { token: w.owner.token })
      expectStatus(refused, 409, 'an application with identities')
      assert.match(refused.body.error.message, /the application or one of its devices owns identities \(\d+, \d+\)/)
      assert.deepEqual(refused.body.error.details.identity_ids, ids, 'named, so they can be found and deleted')
      expectStatus(await s.request('GET', `/v1/devices/${dev.body.id}`, { token: w.owner.token }), 200, 'untouched')
      for (const id of ids)
        expectStatus(await s.request('DELETE', `/v1/identities/${id}`, { token: w.owner.token }), 204, 'identity')
      expectStatus(await s.request('DELETE', `/v1/applications/${app.id}`, { token: w.owner.token }), 204, 'then')
    })

    // helper-124: each step counted the keys it selected, not those it deleted: two deletions at once reported 900.
    it('two deletions of one application at once, on two nodes: every key deleted once and counted once', async () => {
      const app = await newApp(w.owner.token, `twice-${randomBytes(3).toString('hex')}`)
      const dev = await s.request('POST', '/v1/devices', { token: w.owner.token, body: { application_id: app.id } })
      const imported = await s.request('POST', '/v1/keys/import', {
        token: w.owner.token,
        body: {
          keys: Array.from({ length: 600 }, (_, i) => ({
            owner: i % 2 ? { kind: 'application', id: app.id } : { kind: 'device', id: dev.body.id },
            plaintext: `ext_${randomBytes(24).toString('hex')}`,
          })),
        },
      })
      expectStatus(imported, 200, 'import')
      const answers = await Promise.all([
        s.request('DELETE', `/v1/applications/${app.id}`, { token: w.owner.token }),
        (other ?? s).request('DELETE', `/v1/applications/${app.id}`, { token: w.orgAdmin.token }),
      ])
      for (const r of answers) assert.ok(r.status === 204 || r.status === 404, `${r.status} ${r.text}`)
      const audit = await s.request('GET', `/v1/audit?action=application.delete&target_id=${app.id}`, {
        token: w.owner.token,
      })
      const entries = audit.body.events as { details: { keys: number } }[]
      assert.equal(
        entries.reduce((n, e) => n + e.details.keys, 0),
        600,
        JSON.stringify(entries.map((e) => e.details)),
      )
      const ids = (imported.body.keys as { id: number }[]).map((k) => k.id)
      const events = await db().selectFrom('key_event').select('key_id').where('type', '=', 'key.deleted').execute()
      assert.equal(events.filter((e) => ids.includes(e.key_id!)).length, 600, 'one key.deleted per key')
    })

    it('an organization whose applications are deleted can be deleted', async () => {
      const handle = `solo-${randomBytes(3).toString('hex')}`
      const org = await s.request('POST', '/v1/organizations', { token: w.owner.token, body: { name: handle, handle } })
      const app = await s.request('POST', '/v1/applications', {
        token: w.owner.token,
        body: { name: 'only', organization_id: org.body.id },
      })
      const refused = await s.request('DELETE', `/v1/organizations/${org.body.id}`, { token: w.owner.token })
      expectStatus(refused, 409, 'an organization that owns an application')
      expectStatus(await s.request('DELETE', `/v1/applications/${app.body.id}`, { token: w.owner.token }), 204, 'app')
      expectStatus(await s.request('DELETE', `/v1/organizations/${org.body.id}`, { token: w.owner.token }), 204, 'org')
    })
  })
}
