import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * An organization is deleted only when it owns no applications (`OrgService.delete`), but that is read once, before
 * `markDeleting` and the key chunks; the last transaction (`OrgRepository.delete`) does not ask again. An application
 * created meanwhile (a member, in the organization still seen) makes the deletion's last statement violate
 * `application.organization_id`'s foreign key: a 500, the organization left marked deleting with its keys gone.
 */
for (const store of STORES) {
  describe(`attack: an application created while its organization is deleted (${store})`, () => {
    const t = serverForSuite(store)

    it('the deletion answers 204 or a 4xx (409), never a 500', async () => {
      const s = t.s
      const statuses: string[] = []
      for (let round = 0; round < 12; round++) {
        const handle = `race${round}`
        const org = await s.request('POST', '/v1/organizations', { token: t.admin, body: { name: handle, handle } })
        assert.equal(org.status, 201, org.text)
        // Some keys, so the deletion takes a few steps.
        await Promise.all(
          Array.from({ length: 20 }, () => s.createKey(t.admin, { owner: { kind: 'organization', id: org.body.id } })),
        )
        const [del, app] = await Promise.all([
          s.request('DELETE', `/v1/organizations/${org.body.id}`, { token: t.admin }),
          (async () => {
            for (let i = 0; i < round * 2; i++) await new Promise((r) => setImmediate(r))
            return s.request('POST', '/v1/applications', {
              token: t.admin,
              body: { name: 'late', organization_id: org.body.id },
            })
          })(),
        ])
        statuses.push(`${del.status}/${app.status}`)
        assert.ok(del.status < 500, `round ${round}: delete ${del.status} ${del.text} (app ${app.status})`)
        assert.ok(app.status < 500, `round ${round}: app ${app.status} ${app.text}`)
        // One of the two went first: a deleted organization has no application, a kept one is not left half-deleted.
        const after = await s.request('GET', `/v1/organizations/${org.body.id}`, { token: t.admin })
        if (del.status === 204) {
          // 409 while it is being deleted, 404 once it is gone.
          assert.ok(
            [404, 409].includes(app.status),
            `round ${round}: an application of a deleted organization: ${app.text}`,
          )
          assert.equal(after.status, 404)
        } else {
          assert.deepEqual([del.status, app.status], [409, 201], `round ${round}: ${del.text}`)
          const row = await s.kw.services.store.db
            .selectFrom('organization')
            .select('deleting_at')
            .where('id', '=', org.body.id)
            .executeTakeFirstOrThrow()
          assert.equal(row.deleting_at, null, `round ${round}: a refused deletion leaves the organization unmarked`)
        }
      }
      console.log(statuses.join(' ')) // which went first varies by run: both orders are checked above
    })
  })
}
