import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { type OrgWorld, expectStatus, join, orgWorld } from '../orgs/fixture.js'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'
import { openStore } from '../../src/store/database.js'
import { orgKeyMakers } from '../../src/store/migrations/0037_org_key_makers.js'

/**
 * An organization's own key acts as the person who made it would, as a member (DESIGN.md,
 * "Organizations"): it manages the organization keys that person made. helper-118 found that keys
 * made *by* an organization key recorded the organization as their creator, so every organization
 * key, a member's included, managed every key any organization key had made: a member's key took
 * the owner's key's products (credits dropped, scopes widened to full, the secret rolled and read),
 * which the member's own session was refused, and kept doing so after the member was removed.
 */
for (const store of STORES) {
  describe(`an organization key manages only what its maker would, as a member (${store})`, () => {
    const t = serverForSuite(store)
    let s: TestServer
    let w: OrgWorld
    let memberKey: { key: string; id: number }
    let ownersProduct: { key: string; id: number }
    before(async () => {
      s = t.s
      w = await orgWorld(s)
      memberKey = await s.createKey(w.member.token, { owner: { kind: 'organization', id: w.acme.id } })
      // Made by the owner's organization key, as an integration would make a customer's key.
      ownersProduct = await s.createKey(w.keys.orgKeySecret, {
        owner: { kind: 'organization', id: w.acme.id },
        remaining: 10,
        scopes: ['read:data'],
      })
    })

    it('a member’s organization key cannot change, roll, disable or revoke what the owner’s organization key made', async () => {
      const as = (method: string, path: string, body: unknown = {}) =>
        s.request(method, `/v1/keys/${ownersProduct.id}${path}`, { token: memberKey.key, body })
      expectStatus(await as('PATCH', '', { remaining: null, scopes: [] }), 403, 'widen')
      expectStatus(await as('POST', '/roll'), 403, 'roll')
      expectStatus(await as('POST', '/disable'), 403, 'disable')
      expectStatus(await as('POST', '/revoke'), 403, 'revoke')
      const still = await s.request('GET', `/v1/keys/${ownersProduct.id}`, { token: w.owner.token })
      assert.equal(still.body.remaining, 10)
      assert.deepEqual(still.body.scopes, ['read:data'])
      assert.equal(still.body.status, 'active')
    })

    it('nor after its maker is removed from the organization', async () => {
      const removed = await s
        .createKey(w.viewer.token, { owner: { kind: 'organization', id: w.acme.id } })
        .catch(() => null)
      assert.equal(removed, null, 'a viewer makes no organization key')
      const hers = await s.createKey(w.orgAdmin.token, { owner: { kind: 'organization', id: w.acme.id } })
      const gone = await s.request('DELETE', `/v1/organizations/${w.acme.id}/members/${w.orgAdmin.id}`, {
        token: w.owner.token,
      })
      expectStatus(gone, 204, 'remove the admin')
      const later = await s.createKey(w.keys.orgKeySecret, { owner: { kind: 'organization', id: w.acme.id } })
      expectStatus(await s.request('POST', `/v1/keys/${later.id}/roll`, { token: hers.key, body: {} }), 403, 'roll')
    })

    // helper-122: with the maker recorded, a removed member's organization key rolled and revoked the
    // organization keys she had made in her session, and made new ones. The maker must still be a member.
    it('once its maker is removed, made a viewer or deactivated, it manages none of the keys they made, and makes none', async () => {
      const admin = await s.adminToken()
      for (const [name, leave] of [
        [
          'rita',
          (id: number) => s.request('DELETE', `/v1/organizations/${w.acme.id}/members/${id}`, { token: w.owner.token }),
        ],
        ['dana', (id: number) => s.request('POST', `/v1/users/${id}/deactivate`, { token: admin })],
        [
          'vera',
          (id: number) =>
            s.request('PATCH', `/v1/organizations/${w.acme.id}/members/${id}`, {
              token: w.owner.token,
              body: { role: 'viewer' },
            }),
        ],
      ] as const) {
        const u = await s.member(name, admin)
        await join(
          s,
          w.owner.token,
          w.acme.id,
          { ...u, email: `${name}@example.com`, password: `${name}-password-1` },
          'member',
        )
        const token = await s.login(`${name}@example.com`, `${name}-password-1`)
        const org = { owner: { kind: 'organization', id: w.acme.id } }
        const [hers, sessMade, other] = [
          await s.createKey(token, org),
          await s.createKey(token, org),
          await s.createKey(token, org),
        ]
        expectStatus(
          await s.request('POST', `/v1/keys/${other.id}/disable`, { token: hers.key, body: {} }),
          200,
          `${name}'s key, while a member`,
        )
        expectStatus(await leave(u.id), name === 'rita' ? 204 : 200, `${name} leaves`)
        expectStatus(
          await s.request('POST', `/v1/keys/${sessMade.id}/roll`, { token: hers.key, body: {} }),
          403,
          `${name}'s key rolling`,
        )
        expectStatus(
          await s.request('POST', `/v1/keys/${sessMade.id}/revoke`, { token: hers.key, body: {} }),
          403,
          `${name}'s key revoking`,
        )
        const made = await s.request('POST', '/v1/keys', { token: hers.key, body: { name: `after-${name}`, ...org } })
        expectStatus(made, 403, `${name}'s key making an organization key`)
      }
    })

    it('the owner’s organization key does not manage what a member’s made either: each acts as its own maker', async () => {
      const membersProduct = await s.createKey(memberKey.key, { owner: { kind: 'organization', id: w.acme.id } })
      const r = await s.request('POST', `/v1/keys/${membersProduct.id}/revoke`, {
        token: w.keys.orgKeySecret,
        body: {},
      })
      expectStatus(r, 403, 'the owner’s organization key revoking a member’s key’s product')
    })

    it('it manages what its maker made: itself, their keys, their other organization keys’ products; and they manage its products', async () => {
      const inSession = await s.createKey(w.member.token, { owner: { kind: 'organization', id: w.acme.id } })
      const viaKey = await s.createKey(memberKey.key, { owner: { kind: 'organization', id: w.acme.id } })
      const viaProduct = await s.createKey(viaKey.key, { owner: { kind: 'organization', id: w.acme.id } })
      for (const id of [inSession.id, viaKey.id, viaProduct.id, memberKey.id]) {
        const r = await s.request('PATCH', `/v1/keys/${id}`, { token: memberKey.key, body: { name: `renamed-${id}` } })
        expectStatus(r, 200, `the member's key renaming ${id}`)
      }
      // The member's own session manages what her organization keys made, as she made it through them.
      for (const id of [viaKey.id, viaProduct.id])
        expectStatus(
          await s.request('POST', `/v1/keys/${id}/disable`, { token: w.member.token, body: {} }),
          200,
          `the member disabling ${id}`,
        )
      // The organization's admins manage every one of them.
      expectStatus(
        await s.request('POST', `/v1/keys/${viaProduct.id}/enable`, { token: w.owner.token, body: {} }),
        200,
        'the owner enabling',
      )
    })
  })
}

/**
 * Migration 0037: keys made by organization keys before the fix recorded the organization as their
 * creator; they take the person at the top of their making chain, and a chain that reaches no person
 * (its making key deleted) records none.
 */
for (const store of STORES) {
  describe(`migration 0037: keys made by organization keys record the person behind them (${store})`, () => {
    const t = serverForSuite(store)

    it('each takes the nearest person up its chain; a broken chain, none; every other key keeps its record', async () => {
      const s = t.s
      const w = await orgWorld(s)
      const memberKey = await s.createKey(w.member.token, { owner: { kind: 'organization', id: w.acme.id } })
      const a = await s.createKey(memberKey.key, { owner: { kind: 'organization', id: w.acme.id } })
      const b = await s.createKey(a.key, { owner: { kind: 'organization', id: w.acme.id } })
      const p = await s.createKey(w.keys.orgKeySecret, { owner: { kind: 'organization', id: w.acme.id } })
      const orphan = await s.createKey(w.keys.orgKeySecret, { owner: { kind: 'organization', id: w.acme.id } })
      const st = openStore(s.config.databaseUrl)
      try {
        const creators = async () =>
          Object.fromEntries(
            (await st.db.selectFrom('api_key').select(['id', 'created_by_actor_id']).execute()).map((r) => [
              r.id,
              r.created_by_actor_id,
            ]),
          )
        const before = await creators()
        // The records the code before the fix wrote: the organization's actor for every key an organization key made.
        await st.db
          .updateTable('api_key')
          .set({ created_by_actor_id: w.acme.actorId })
          .where('id', 'in', [a.id, b.id, p.id, orphan.id])
          .execute()
        await st.db.updateTable('api_key').set({ created_by_key_id: 999_999 }).where('id', '=', orphan.id).execute()
        await orgKeyMakers().up(st.db)
        const after = await creators()
        assert.equal(after[a.id], w.member.actorId)
        assert.equal(after[b.id], w.member.actorId)
        assert.equal(after[p.id], w.owner.actorId)
        assert.equal(after[orphan.id], null)
        for (const id of Object.keys(before).map(Number))
          if (![a.id, b.id, p.id, orphan.id].includes(id))
            assert.equal(after[id], before[id], `key ${id} kept its record`)
      } finally {
        await st.close()
      }
      const renamed = await s.request('PATCH', `/v1/keys/${b.id}`, {
        token: memberKey.key,
        body: { name: 'after-0037' },
      })
      expectStatus(renamed, 200, 'the member’s key renaming what her keys made, after the migration')
    })
  })
}
