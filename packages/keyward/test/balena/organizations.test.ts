import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import balenaSdk from 'balena-sdk'
import { STORES, TestServer } from '../helpers.js'
import { type OrgWorld, orgWorld } from '../orgs/fixture.js'

const { getSdk } = balenaSdk

/** The real balena-sdk's organization reads, through the OData translator, across organizations. */
for (const store of STORES) {
  describe(`balena-sdk models.organization and getAllByOrganization (${store})`, () => {
    let s: TestServer
    let w: OrgWorld
    let apiUrl: string
    const sdkAs = async (token: string) => {
      const b = getSdk({ apiUrl, dataDirectory: false })
      await b.auth.loginWithToken(token)
      return b
    }

    before(async () => {
      s = await TestServer.start(store)
      w = await orgWorld(s)
      apiUrl = await s.listen()
    })
    after(() => s?.close())

    it('organization.getAll() lists exactly the organizations the caller belongs to, by name', async () => {
      const b = await sdkAs(w.viewer.token)
      const orgs = await b.models.organization.getAll()
      assert.deepEqual(
        orgs.map((o) => o.handle),
        ['acme', 'vic'],
      )
    })

    it('organization.get(handle) and get(id); another organization is BalenaOrganizationNotFound', async () => {
      const b = await sdkAs(w.member.token)
      const acme = await b.models.organization.get('acme')
      assert.equal(acme.id, w.acme.id)
      assert.equal((await b.models.organization.get(w.acme.id)).handle, 'acme')
      await assert.rejects(b.models.organization.get('other'), (e: { code?: string }) => {
        assert.equal(e.code, 'BalenaOrganizationNotFound')
        return true
      })
    })

    it('application.getAllByOrganization(handle) answers its fleets, and nothing of an organization not yours', async () => {
      const b = await sdkAs(w.member.token)
      const apps = await b.models.application.getAllByOrganization('acme')
      assert.deepEqual(
        apps.map((a) => a.id),
        [w.acme.appId],
      )
      await assert.rejects(b.models.application.getAllByOrganization('other'))
      const outsider = await sdkAs(w.outsider.token)
      assert.deepEqual(
        (await outsider.models.application.getAllByOrganization('other')).map((a) => a.id),
        [w.other.appId],
      )
    })

    it('/v7/organization_membership lists the memberships of your organizations only, with $expand and $filter', async () => {
      const get = (url: string) => s.request('GET', url, { token: w.viewer.token })
      const all = (
        await get('/v7/organization_membership?$select=id,role&$expand=is_member_of__organization($select=handle)')
      ).body.d
      const acme = all.filter((m: any) => m.is_member_of__organization[0]?.handle === 'acme')
      assert.deepEqual(acme.map((m: any) => m.role).sort(), ['admin', 'member', 'owner', 'viewer'])
      assert.ok(all.every((m: any) => ['acme', 'vic'].includes(m.is_member_of__organization[0]?.handle)))
      const other = await get(`/v7/organization_membership?$filter=is_member_of__organization eq ${w.other.id}`)
      assert.deepEqual(other.body, { d: [] })
      const expanded = await get(`/v7/organization(${w.other.id})?$expand=organization_membership,application`)
      assert.deepEqual(expanded.body, { d: [] })
    })
  })
}
