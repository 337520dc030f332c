import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { STORES, type SuiteServer, serverForSuite } from '../helpers.js'

/**
 * What a rolled-away secret made during its grace period ends whenever that secret ends early
 * (`KeyLineage.revokeGraceProducts`): a roll, end-grace, a revoke, a delete, a leak report. A
 * deleted user's keys are revoked with the user, which ends their rolled-away secrets too; what
 * those secrets made for other owners kept working until the grace end promised at the roll.
 */
for (const store of STORES) {
  describe(`what a deleted user's rolled-away secrets made ends with the user (${store})`, () => {
    const t = serverForSuite(store)

    it("revokes the keys an admin's rolled-away secret made for others; not those its current secret made", async () => {
      const carol = await admin(t, `carol-${store}`)
      const bob = await t.s.member(`bob-${store}`, t.admin)
      const { key: old, id } = await t.s.createKey(carol.token)
      const current = (await roll(t, id, carol.token)).body.key as string
      const forBob = { owner: { kind: 'user', id: bob.id }, expires_at: soon() }
      const byOld = await t.s.createKey(old, forBob)
      const grandchild = await t.s.createKey(byOld.key, { expires_at: soon(-60_000) })
      const byCurrent = await t.s.createKey(current, forBob)
      assert.equal((await t.s.verify(t.admin, byOld.key)).code, 'VALID')

      const deleted = await t.s.request('DELETE', `/v1/users/${carol.id}`, { token: t.admin })
      assert.equal(deleted.status, 204, deleted.text)
      assert.equal((await t.s.verify(t.admin, current)).code, 'REVOKED')
      for (const made of [byOld, grandchild])
        assert.equal((await t.s.verify(t.admin, made.key)).code, 'REVOKED', 'BROKEN: outlives the deleted user')
      assert.equal(
        (await t.s.verify(t.admin, byCurrent.key)).code,
        'VALID',
        "bob's key from the current secret is bob's",
      )
      const audit = await t.s.request('GET', `/v1/audit?action=key.revoke&target_id=${byOld.id}`, { token: t.admin })
      assert.equal(audit.body.events[0]?.details.root_key_id, id, 'audited, naming the deleted user’s key')
      assert.match(audit.body.events[0]?.details.reason, /deletion of its owner/)
    })
  })

  describe(`which grace periods' keys end with a deleted user (${store})`, () => {
    const clock = manualClock(new Date())
    const t = serverForSuite(store, { clock })
    const inS = (s: number) => new Date(clock.now().getTime() + s * 1000).toISOString()

    it('spares what a grace period that ran its course made, which its owner kept', async () => {
      const dave = await admin(t, `dave-${store}`)
      const bob = await t.s.member(`bob-kept-${store}`, t.admin)
      const { key: old, id } = await t.s.createKey(dave.token)
      await roll(t, id, dave.token, 60)
      const forBob = await t.s.createKey(old, { owner: { kind: 'user', id: bob.id }, expires_at: inS(50) })
      clock.advance(120_000)
      const kept = await t.s.request('PATCH', `/v1/keys/${forBob.id}`, {
        token: bob.token,
        body: { expires_at: inS(365 * 86_400) },
      })
      assert.equal(kept.status, 200, kept.text)
      assert.equal((await t.s.request('DELETE', `/v1/users/${dave.id}`, { token: t.admin })).status, 204)
      assert.equal((await t.s.verify(t.admin, forBob.key)).code, 'VALID', "BROKEN: bob's kept key revoked")
    })
  })
}

/** A second admin: a member promoted by the first. */
async function admin(t: SuiteServer, name: string) {
  const u = await t.s.member(name, t.admin)
  const r = await t.s.request('PATCH', `/v1/users/${u.id}`, { token: t.admin, body: { role: 'admin' } })
  assert.equal(r.status, 200, r.text)
  return { id: u.id, token: await t.s.login(`${name}@example.com`, `${name}-password-1`) }
}

const soon = (less = 0) => new Date(Date.now() + 1_800_000 + less).toISOString()

const roll = (t: SuiteServer, id: number, token: string, grace_period_s = 3600) =>
  t.s.request('POST', `/v1/keys/${id}/roll`, { token, body: { grace_period_s } })
