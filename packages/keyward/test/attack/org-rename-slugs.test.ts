import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { openStore } from '../../src/store/database.js'
import { fleetSlugs } from '../../src/store/migrations/0038_fleet_slugs.js'
import { STORES, serverForSuite } from '../helpers.js'
import { expectStatus, orgWorld } from '../orgs/fixture.js'

/**
 * helper-118: renaming an organization kept its applications' slugs under the old handle. Another
 * organization could take that handle and create applications under it: "already exists" told it the
 * renamed organization's application names (and a balena client of the renamed one still used a slug
 * under a handle someone else held). A rename now moves the slugs; migration 0038 moves those of
 * organizations renamed before.
 */
for (const store of STORES) {
  describe(`an organization's rename moves its fleet slugs (${store})`, () => {
    const t = serverForSuite(store)

    it('the old handle, taken by another organization, tells nothing of the renamed one’s applications', async () => {
      const s = t.s
      const w = await orgWorld(s)
      const renamed = await s.request('PATCH', `/v1/organizations/${w.acme.id}`, {
        token: w.owner.token,
        body: { handle: 'acme-corp' },
      })
      expectStatus(renamed, 200, 'rename')
      const app = await s.request('GET', `/v1/applications/${w.acme.appId}`, { token: w.owner.token })
      assert.equal(app.body.slug, 'acme-corp/fleet')
      const balena = await s.request('GET', `/v7/application(slug='acme-corp/fleet')`, { token: w.owner.token })
      assert.equal(balena.body.d?.[0]?.id, w.acme.appId, balena.text)
      const squat = await s.request('POST', '/v1/organizations', {
        token: w.outsider.token,
        body: { name: 'acme', handle: 'acme' },
      })
      expectStatus(squat, 201, 'the old handle, taken')
      const probe = await s.request('POST', '/v1/applications', {
        token: w.outsider.token,
        body: { name: 'fleet', organization_id: squat.body.id },
      })
      expectStatus(probe, 201, 'an application name the renamed organization has')
      assert.equal(probe.body.slug, 'acme/fleet')
    })

    // helper-122: the slug's handle was read before the insert's transaction, so an application created while
    // a rename committed kept the old handle (PostgreSQL; SQLite serializes the two). Caught 1 round in 30.
    it('applications created while the organization is renamed all carry its final handle', async () => {
      const s = t.s
      const token = await s.adminToken()
      const org = await s.request('POST', '/v1/organizations', { token, body: { name: 'race', handle: 'race' } })
      for (let i = 0; i < 30; i++)
        await Promise.all([
          s.request('PATCH', `/v1/organizations/${org.body.id}`, { token, body: { handle: `race-${i}` } }),
          s.request('POST', '/v1/applications', { token, body: { name: `app${i}`, organization_id: org.body.id } }),
        ])
      const apps = await s.request('GET', '/v1/applications?limit=100', { token })
      const ours = (apps.body.applications ?? apps.body) as { name: string; slug: string; organization_id: number }[]
      const inOrg = ours.filter((a) => a.organization_id === org.body.id)
      assert.equal(inOrg.length, 30)
      assert.deepEqual(
        inOrg.filter((a) => a.slug !== `race-29/${a.name}`),
        [],
      )
    })

    it('migration 0038: slugs left under an old handle move to the current one; one already held stays', async () => {
      const s = t.s
      const st = openStore(s.config.databaseUrl)
      try {
        const token = await s.adminToken()
        const org = await s.request('POST', '/v1/organizations', { token, body: { name: 'mig', handle: 'mig' } })
        const app = (name: string) =>
          s.request('POST', '/v1/applications', { token, body: { name, organization_id: org.body.id } })
        const [one, two, stale] = [await app('One'), await app('two'), await app('made-as-other')]
        // The state before the fix: "one" and a second "two" were made while the organization was "old",
        // then it was renamed, and a "two" was made under the new handle.
        const set = (id: number, v: { slug: string; name?: string }) =>
          st.db.updateTable('application').set(v).where('id', '=', id).execute()
        await set(one.body.id, { slug: 'old/one' })
        await set(stale.body.id, { slug: 'old/two', name: 'two' })
        // helper-122: a slug freed only by a later application's move (one pass in id order left it).
        const other = await s.request('POST', '/v1/organizations', { token, body: { name: 'oth', handle: 'oth' } })
        const x = await app('x')
        const y = await s.request('POST', '/v1/applications', {
          token,
          body: { name: 'x', organization_id: other.body.id },
        })
        await set(x.body.id, { slug: 'gone/x' })
        await set(y.body.id, { slug: 'mig/x' }) // holds x's slug until it moves to oth/x
        await fleetSlugs().up(st.db)
        const rows = await st.db
          .selectFrom('application')
          .select(['id', 'slug'])
          .where('organization_id', '=', org.body.id)
          .orderBy('id')
          .execute()
        assert.deepEqual(rows, [
          { id: one.body.id, slug: 'mig/one' },
          { id: two.body.id, slug: 'mig/two' },
          { id: stale.body.id, slug: 'old/two' }, // "mig/two" is the other one's
          { id: x.body.id, slug: 'mig/x' },
        ])
        const moved = await st.db
          .selectFrom('application')
          .select('slug')
          .where('id', '=', y.body.id)
          .executeTakeFirst()
        assert.equal(moved?.slug, 'oth/x')
        // Its two "two"s get one slug under any handle: every rename is refused, saying why (helper-123), not
        // blaming another organization's application.
        const renamed = await s.request('PATCH', `/v1/organizations/${org.body.id}`, {
          token,
          body: { handle: 'mig-2' },
        })
        expectStatus(renamed, 409, 'two applications named two')
        assert.match(renamed.body.error.message, /two of this organization's applications are named "two"/)
        assert.equal((await s.request('GET', `/v1/organizations/${org.body.id}`, { token })).body.handle, 'mig')
        // Its current handle moves no slug: the name changes (a form sends every field).
        const same = await s.request('PATCH', `/v1/organizations/${org.body.id}`, {
          token,
          body: { name: 'Mig Inc', handle: 'mig' },
        })
        expectStatus(same, 200, 'the handle it has, with a new name')
        assert.equal(same.body.name, 'Mig Inc')
        // Renaming one of the two lets the organization take a new handle.
        const apart = await s.request('PATCH', `/v1/applications/${stale.body.id}`, { token, body: { name: 'two-b' } })
        expectStatus(apart, 200, 'one of the two renamed')
        assert.equal(apart.body.slug, 'mig/two-b')
        const again = await s.request('PATCH', `/v1/organizations/${org.body.id}`, { token, body: { handle: 'mig-2' } })
        expectStatus(again, 200, 'the rename refused before')
        const slugs = await st.db
          .selectFrom('application')
          .select('slug')
          .where('organization_id', '=', org.body.id)
          .orderBy('id')
          .execute()
        assert.deepEqual(
          slugs.map((r) => r.slug),
          ['mig-2/one', 'mig-2/two', 'mig-2/two-b', 'mig-2/x'],
        )
      } finally {
        await st.close()
      }
    })

    // helper-122: a slug migration 0038 could not move (another held its new form) blocks a rename whose new
    // slugs it holds. The 409 said "an organization with this handle already exists" of a handle no one had.
    it('a rename refused for a slug another application holds says so, not that the handle is taken', async () => {
      const s = t.s
      const st = openStore(s.config.databaseUrl)
      try {
        const token = await s.adminToken()
        const org = (handle: string) =>
          s.request('POST', '/v1/organizations', { token, body: { name: handle, handle } })
        const [holder, mover] = [await org('holder'), await org('mover')]
        for (const o of [holder, mover])
          expectStatus(
            await s.request('POST', '/v1/applications', { token, body: { name: 'fleet', organization_id: o.body.id } }),
            201,
            'app',
          )
        await st.db.updateTable('application').set({ slug: 'free/fleet' }).where('slug', '=', 'holder/fleet').execute()
        const r = await s.request('PATCH', `/v1/organizations/${mover.body.id}`, { token, body: { handle: 'free' } })
        expectStatus(r, 409, 'the slug free/fleet is held')
        assert.equal(r.body.error.code, 'conflict')
        assert.match(r.body.error.message, /application/, r.text)
        assert.doesNotMatch(r.body.error.message, /organization with this handle/, r.text)
        const after = await s.request('GET', `/v1/organizations/${mover.body.id}`, { token })
        assert.equal(after.body.handle, 'mover', 'nothing renamed')
        const taken = await s.request('PATCH', `/v1/organizations/${mover.body.id}`, {
          token,
          body: { handle: 'holder' },
        })
        expectStatus(taken, 409, 'a handle held')
        assert.match(taken.body.error.message, /organization with this handle already exists/)
      } finally {
        await st.close()
      }
    })
  })
}
