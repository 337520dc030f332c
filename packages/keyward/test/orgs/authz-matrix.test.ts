import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { type OrgWorld, type Person, orgWorld } from './fixture.js'

type Who = 'owner' | 'admin' | 'member' | 'viewer' | 'outsider'
const WHO: Who[] = ['owner', 'admin', 'member', 'viewer', 'outsider']
const personOf = (w: OrgWorld, who: Who): Person =>
  ({ owner: w.owner, admin: w.orgAdmin, member: w.member, viewer: w.viewer, outsider: w.outsider })[who]

/**
 * One row of the matrix: what `who` gets for an action on organization "acme" — a status,
 * or for reads whether acme's thing is in the answer. Each call gets its own target when it
 * changes something, so rows do not depend on each other.
 */
interface Row {
  action: string
  expect: Record<Who, number | boolean>
  run: (s: TestServer, w: OrgWorld, p: Person) => Promise<number | boolean>
}

const f = (expr: string) => encodeURIComponent(expr)
const ids = (body: any, list = 'd'): number[] => (body?.[list] ?? []).map((r: any) => r.id)
const READ = { owner: true, admin: true, member: true, viewer: true, outsider: false }

const ROWS: Row[] = [
  {
    action: 'GET /v1/keys lists the organization key',
    expect: READ,
    run: async (s, w, p) =>
      ids((await s.request('GET', '/v1/keys?limit=500', { token: p.token })).body, 'api_keys').includes(w.keys.orgKey),
  },
  {
    action: 'GET /v1/keys?owner_kind=device lists the device key',
    expect: READ,
    run: async (s, w, p) =>
      ids((await s.request('GET', '/v1/keys?owner_kind=device', { token: p.token })).body, 'api_keys').includes(
        w.keys.deviceKey,
      ),
  },
  {
    action: 'GET /v1/keys/:id of the organization key',
    expect: { owner: 200, admin: 200, member: 200, viewer: 200, outsider: 404 },
    run: async (s, w, p) => (await s.request('GET', `/v1/keys/${w.keys.orgKey}`, { token: p.token })).status,
  },
  {
    action: 'POST /v1/keys owned by the organization',
    expect: { owner: 201, admin: 201, member: 201, viewer: 403, outsider: 404 },
    run: async (s, w, p) =>
      (
        await s.request('POST', '/v1/keys', {
          token: p.token,
          body: { name: `o-${p.id}-${Math.random()}`, owner: { kind: 'organization', id: w.acme.id } },
        })
      ).status,
  },
  {
    action: "POST /v1/keys owned by the organization's application",
    expect: { owner: 201, admin: 201, member: 201, viewer: 403, outsider: 404 },
    run: async (s, w, p) =>
      (
        await s.request('POST', '/v1/keys', {
          token: p.token,
          body: { name: `a-${p.id}`, owner: { kind: 'application', id: w.acme.appId } },
        })
      ).status,
  },
  {
    action: "POST /v1/keys/:id/revoke of the owner's organization key",
    expect: { owner: 200, admin: 200, member: 403, viewer: 403, outsider: 404 },
    run: async (s, w, p) => {
      const k = await s.createKey(w.owner.token, { owner: { kind: 'organization', id: w.acme.id } })
      return (await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: p.token, body: {} })).status
    },
  },
  {
    action: 'POST /v1/keys/:id/revoke of an application key',
    expect: { owner: 200, admin: 200, member: 200, viewer: 403, outsider: 404 },
    run: async (s, w, p) => {
      const k = await s.createKey(w.owner.token, { owner: { kind: 'application', id: w.acme.appId } })
      return (await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: p.token, body: {} })).status
    },
  },
  {
    action: 'POST /v1/keys/:id/roll of a device key',
    expect: { owner: 200, admin: 200, member: 200, viewer: 403, outsider: 404 },
    run: async (s, w, p) => {
      const k = await s.createKey(w.owner.token, { owner: { kind: 'device', id: w.acme.deviceId } })
      return (await s.request('POST', `/v1/keys/${k.id}/roll`, { token: p.token, body: {} })).status
    },
  },
  {
    action: 'DELETE /v1/keys/:id of the organization key',
    expect: { owner: 204, admin: 204, member: 403, viewer: 403, outsider: 404 },
    run: async (s, w, p) => {
      const k = await s.createKey(w.owner.token, { owner: { kind: 'organization', id: w.acme.id } })
      return (await s.request('DELETE', `/v1/keys/${k.id}`, { token: p.token })).status
    },
  },
  {
    action: 'GET /v1/applications lists the fleet',
    expect: READ,
    run: async (s, w, p) =>
      ids((await s.request('GET', '/v1/applications', { token: p.token })).body, 'applications').includes(w.acme.appId),
  },
  {
    action: 'POST /v1/devices in the fleet',
    expect: { owner: 201, admin: 201, member: 201, viewer: 403, outsider: 404 },
    run: async (s, w, p) =>
      (await s.request('POST', '/v1/devices', { token: p.token, body: { application_id: w.acme.appId } })).status,
  },
  {
    action: 'GET /v1/audit shows the organization trail',
    expect: READ,
    run: async (s, w, p) =>
      ((await s.request('GET', '/v1/audit?limit=500', { token: p.token })).body.events ?? []).some(
        (e: any) => e.action === 'organization.create' && e.target_id === String(w.acme.id),
      ),
  },
  {
    action: 'GET /v1/organizations lists it',
    expect: READ,
    run: async (s, w, p) =>
      ids((await s.request('GET', '/v1/organizations', { token: p.token })).body, 'organizations').includes(w.acme.id),
  },
  {
    action: 'GET /v1/organizations/:id/members',
    expect: { owner: 200, admin: 200, member: 200, viewer: 200, outsider: 404 },
    run: async (s, w, p) =>
      (await s.request('GET', `/v1/organizations/${w.acme.id}/members`, { token: p.token })).status,
  },
  {
    action: 'POST /v1/organizations/:id/invitations as member',
    expect: { owner: 201, admin: 201, member: 403, viewer: 403, outsider: 404 },
    run: async (s, w, p) =>
      (
        await s.request('POST', `/v1/organizations/${w.acme.id}/invitations`, {
          token: p.token,
          body: { email: 'new@example.com', role: 'member' },
        })
      ).status,
  },
  {
    action: 'POST /v1/organizations/:id/invitations as owner',
    expect: { owner: 201, admin: 403, member: 403, viewer: 403, outsider: 404 },
    run: async (s, w, p) =>
      (
        await s.request('POST', `/v1/organizations/${w.acme.id}/invitations`, {
          token: p.token,
          body: { email: 'boss@example.com', role: 'owner' },
        })
      ).status,
  },
  {
    action: 'PATCH /v1/organizations/:id/members/:viewer {role: viewer}',
    expect: { owner: 200, admin: 200, member: 403, viewer: 403, outsider: 404 },
    run: async (s, w, p) =>
      (
        await s.request('PATCH', `/v1/organizations/${w.acme.id}/members/${w.viewer.id}`, {
          token: p.token,
          body: { role: 'viewer' },
        })
      ).status,
  },
  {
    action: 'PATCH /v1/organizations/:id {name}',
    expect: { owner: 200, admin: 200, member: 403, viewer: 403, outsider: 404 },
    run: async (s, w, p) =>
      (await s.request('PATCH', `/v1/organizations/${w.acme.id}`, { token: p.token, body: { name: 'Acme' } })).status,
  },
  {
    action: 'DELETE /v1/organizations/:id (it still owns a fleet: 409 for the owner)',
    expect: { owner: 409, admin: 403, member: 403, viewer: 403, outsider: 404 },
    run: async (s, w, p) => (await s.request('DELETE', `/v1/organizations/${w.acme.id}`, { token: p.token })).status,
  },
  {
    action: 'OData /v7/application $filter by slug finds the fleet',
    expect: READ,
    run: async (s, _w, p) =>
      ids((await s.request('GET', `/v7/application?$filter=${f("slug eq 'acme/fleet'")}`, { token: p.token })).body)
        .length === 1,
  },
  {
    action: 'OData /v7/device $filter through belongs_to__application finds the device',
    expect: READ,
    run: async (s, w, p) =>
      ids(
        (
          await s.request('GET', `/v7/device?$filter=${f(`belongs_to__application/any(a:a/id eq ${w.acme.appId})`)}`, {
            token: p.token,
          })
        ).body,
      ).includes(w.acme.deviceId),
  },
  {
    action: 'OData /v7/application(id)?$expand=owns__device shows the device',
    expect: READ,
    run: async (s, w, p) => {
      const r = await s.request('GET', `/v7/application(${w.acme.appId})?$expand=owns__device`, { token: p.token })
      return ids({ d: r.body?.d?.[0]?.owns__device ?? [] }).includes(w.acme.deviceId)
    },
  },
  {
    action: 'OData /v7/api_key $filter is_of__actor finds the organization key',
    expect: READ,
    run: async (s, w, p) =>
      ids(
        (await s.request('GET', `/v7/api_key?$filter=${f(`is_of__actor eq ${w.acme.actorId}`)}`, { token: p.token }))
          .body,
      ).includes(w.keys.orgKey),
  },
]

for (const store of STORES) {
  describe(`organization authorization matrix: roles × actions × faces (${store})`, () => {
    let s: TestServer
    let w: OrgWorld
    before(async () => {
      s = await TestServer.start(store)
      w = await orgWorld(s)
    })
    after(() => s?.close())

    for (const row of ROWS) {
      it(row.action, async () => {
        const got: Record<string, number | boolean> = {}
        for (const who of WHO) got[who] = await row.run(s, w, personOf(w, who))
        assert.deepEqual(got, row.expect)
      })
    }

    it('no member of acme reaches the other organization on any face (404 or empty)', async () => {
      for (const who of WHO.filter((x) => x !== 'outsider')) {
        const t = personOf(w, who).token
        assert.equal((await s.request('GET', `/v1/keys/${w.other.keyId}`, { token: t })).status, 404)
        assert.equal((await s.request('GET', `/v1/organizations/${w.other.id}`, { token: t })).status, 404)
        assert.equal((await s.request('GET', `/v1/organizations/${w.other.id}/members`, { token: t })).status, 404)
        assert.equal((await s.request('POST', `/v1/keys/${w.other.keyId}/revoke`, { token: t, body: {} })).status, 404)
        assert.equal((await s.request('GET', `/v1/applications/${w.other.appId}`, { token: t })).status, 404)
        const odata = [
          `/v7/application?$filter=${f("slug eq 'other/fleet'")}`,
          `/v7/application(${w.other.appId})?$expand=owns__device`,
          `/v7/api_key(${w.other.keyId})`,
          `/v7/device?$filter=${f(`belongs_to__application/any(a:a/id eq ${w.other.appId})`)}`,
          `/v7/actor?$expand=api_key&$filter=${f(`api_key/any(k:k/id eq ${w.other.keyId})`)}`,
        ]
        for (const url of odata) assert.deepEqual((await s.request('GET', url, { token: t })).body, { d: [] }, url)
        const verified = await s.request('POST', '/v1/keys/verify', { token: t, body: { key: w.other.key } })
        assert.equal(verified.body.code, 'NOT_FOUND', 'verify is tenant-scoped across organizations too')
      }
    })

    it("rights never grow: a member's organization key cannot manage the owner's organization keys", async () => {
      const mine = await s.createKey(w.member.token, { owner: { kind: 'organization', id: w.acme.id } })
      const r = await s.request('POST', `/v1/keys/${w.keys.orgKey}/revoke`, { token: mine.key, body: {} })
      assert.equal(r.status, 403, r.text)
      // It still manages what its creator could: the fleet's keys, and itself.
      const k = await s.createKey(mine.key, { owner: { kind: 'application', id: w.acme.appId } })
      assert.equal((await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: mine.key, body: {} })).status, 200)
      // A scoped member key cannot mint an unscoped organization key.
      const scoped = await s.createKey(w.member.token, { scopes: ['keys:read', 'keys:write'] })
      const wide = await s.request('POST', '/v1/keys', {
        token: scoped.key,
        body: { name: 'wide', owner: { kind: 'organization', id: w.acme.id } },
      })
      assert.equal(wide.status, 403, wide.text)
    })
  })
}
