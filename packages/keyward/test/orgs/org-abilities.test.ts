import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES } from '../helpers.js'
import { expectStatus, withOrgWorld } from './fixture.js'

type Can = Record<string, boolean>
interface WireOrg {
  id: number
  handle: string
  role: string | null
  can: Can
}

const ABILITIES = [
  'update',
  'delete',
  'manage_members',
  'manage_owners',
  'create_applications',
  'manage_applications',
  'create_devices',
  'remove_devices',
  'create_keys',
  'create_organization_keys',
] as const
/** `can` with exactly `granted` true. */
const only = (...granted: string[]): Can => Object.fromEntries(ABILITIES.map((a) => [a, granted.includes(a)]))
const MEMBER = ['create_applications', 'create_devices', 'remove_devices', 'create_keys', 'create_organization_keys']
const ADMIN = [...MEMBER, 'update', 'manage_members', 'manage_applications']

/**
 * Every organization a caller sees carries the caller's role in it and what it may do there (`can`, computed by
 * core/authz's own rules): the dashboard shows only the actions these allow (a new user's find: it offered every
 * action to every role, and the server refused them with 403).
 */
for (const store of STORES) {
  describe(`an organization carries the caller's role and abilities (${store})`, () => {
    const t = withOrgWorld(store)

    const acmeAs = async (token: string): Promise<WireOrg> => {
      const list = await t.s.request('GET', '/v1/organizations', { token })
      expectStatus(list, 200, 'list')
      const listed = (list.body.organizations as WireOrg[]).find((o) => o.id === t.w.acme.id)
      const one = await t.s.request('GET', `/v1/organizations/${t.w.acme.id}`, { token })
      expectStatus(one, 200, 'get')
      assert.deepEqual(listed, one.body, 'the list and the organization say the same')
      return one.body
    }

    it('each role in its organizations: owner, admin, member, viewer; an instance admin not a member: null, every ability', async () => {
      const seen = async (token: string) => {
        const o = await acmeAs(token)
        return { role: o.role, can: o.can }
      }
      assert.deepEqual(await seen(t.w.owner.token), { role: 'owner', can: only(...ABILITIES) })
      assert.deepEqual(await seen(t.w.orgAdmin.token), { role: 'admin', can: only(...ADMIN) })
      assert.deepEqual(await seen(t.w.member.token), { role: 'member', can: only(...MEMBER) })
      assert.deepEqual(await seen(t.w.viewer.token), { role: 'viewer', can: only() })
      assert.deepEqual(await seen(t.w.admin), { role: null, can: only(...ABILITIES) })
      const personal = (
        await t.s.request('GET', '/v1/organizations', { token: t.w.viewer.token })
      ).body.organizations.find((o: WireOrg & { personal: boolean }) => o.personal)
      assert.equal(personal.role, 'owner', "the viewer owns their personal organization, whatever they are in acme's")
      expectStatus(
        await t.s.request('GET', `/v1/organizations/${t.w.acme.id}`, { token: t.w.outsider.token }),
        404,
        'other',
      )
    })

    it('what `can` says is what the routes answer, for every role', async () => {
      const people = [t.w.owner, t.w.orgAdmin, t.w.member, t.w.viewer]
      for (const p of people) {
        const { can } = await acmeAs(p.token)
        const tries = await attempts(p.token)
        for (const [ability, status] of Object.entries(tries))
          assert.equal(status < 300, can[ability], `${p.email} ${ability}: can says ${can[ability]}, route ${status}`)
      }
    })

    /** One real call per ability the dashboard hides (deleting the organization and owners aside), its status. */
    const attempts = async (token: string): Promise<Record<string, number>> => {
      const name = () => `a-${randomBytes(3).toString('hex')}`
      const call = async (method: string, url: string, body?: unknown) =>
        (await t.s.request(method, url, { token, body })).status
      const app = await t.s.request('POST', '/v1/applications', {
        token: t.w.owner.token,
        body: { name: name(), organization_id: t.w.acme.id },
      })
      const dev = await t.s.request('POST', '/v1/devices', {
        token: t.w.owner.token,
        body: { application_id: app.body.id },
      })
      return {
        update: await call('PATCH', `/v1/organizations/${t.w.acme.id}`, { name: 'acme' }),
        manage_members: await call('POST', `/v1/organizations/${t.w.acme.id}/invitations`, {
          email: `${name()}@example.com`,
          role: 'member',
        }),
        create_applications: await call('POST', '/v1/applications', { name: name(), organization_id: t.w.acme.id }),
        manage_applications: await call('PATCH', `/v1/applications/${app.body.id}`, { name: name() }),
        create_devices: await call('POST', '/v1/devices', { application_id: app.body.id }),
        remove_devices: await call('DELETE', `/v1/devices/${dev.body.id}`),
        create_keys: await call('POST', '/v1/keys', { name: name(), owner: { kind: 'application', id: app.body.id } }),
        create_organization_keys: await call('POST', '/v1/keys', {
          name: name(),
          owner: { kind: 'organization', id: t.w.acme.id },
        }),
      }
    }

    it("a key says its holder's role, narrowed by its scopes; an organization's own key acts as a member", async () => {
      const readOnly = await t.s.createKey(t.w.owner.token, { scopes: ['organizations:read'] })
      assert.deepEqual(await acmeAs(readOnly.key), { ...(await acmeAs(t.w.owner.token)), can: only() })
      const fleetWriter = await t.s.createKey(t.w.orgAdmin.token, {
        scopes: ['organizations:read', 'applications:write'],
      })
      assert.deepEqual((await acmeAs(fleetWriter.key)).can, only('create_applications', 'manage_applications'))
      const org = await acmeAs(t.w.keys.orgKeySecret)
      assert.equal(org.role, 'member')
      assert.deepEqual(
        org.can,
        only('create_devices', 'remove_devices', 'create_keys', 'create_organization_keys'),
        'no applications: as a person',
      )
      const listed = await t.s.request('GET', '/v1/organizations', { token: t.w.keys.orgKeySecret })
      assert.deepEqual(
        listed.body.organizations.map((o: WireOrg) => o.id),
        [t.w.acme.id],
      )
    })

    it('a new organization answers with its creator as owner', async () => {
      const created = await t.s.request('POST', '/v1/organizations', {
        token: t.w.viewer.token,
        body: { name: 'Viewer Co', handle: `viewer-co-${store}` },
      })
      expectStatus(created, 201, 'create')
      assert.equal(created.body.role, 'owner')
      assert.deepEqual(created.body.can, only(...ABILITIES))
    })

    it("lists one organization's devices, none of an organization you do not belong to; a bad id is a 400", async () => {
      const orgsOf = async (token: string, orgId: number | string) => {
        const r = await t.s.request('GET', `/v1/devices?organization_id=${orgId}`, { token })
        expectStatus(r, 200, 'devices')
        const apps = (await t.s.request('GET', '/v1/applications?limit=500', { token: t.w.admin })).body.applications
        const orgOfApp = new Map(apps.map((a: { id: number; organization_id: number }) => [a.id, a.organization_id]))
        return [...new Set((r.body.devices as { application_id: number }[]).map((d) => orgOfApp.get(d.application_id)))]
      }
      assert.deepEqual(await orgsOf(t.w.viewer.token, t.w.acme.id), [t.w.acme.id])
      assert.deepEqual(await orgsOf(t.w.outsider.token, t.w.acme.id), [], 'not a member: none')
      assert.deepEqual(await orgsOf(t.w.admin, t.w.other.id), [t.w.other.id], 'an instance admin: any')
      assert.deepEqual(await orgsOf(t.w.keys.orgKeySecret, t.w.other.id), [], "an organization's key: its own alone")
      for (const bad of ['0', 'x'])
        assert.equal(
          (await t.s.request('GET', `/v1/devices?organization_id=${bad}`, { token: t.w.viewer.token })).body.error
            ?.code,
          'validation_failed',
        )
    })
  })
}
