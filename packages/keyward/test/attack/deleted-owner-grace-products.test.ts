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
      // Named a revoke: bob may not see carol, and "a deletion" told him she was deleted (an attacker's find).
      assert.match(audit.body.events[0]?.details.reason, /whose grace period a revoke ended early/)
    })

    // An attacker's find: a roll without grace (or end-grace, or a leak report) clears the key's record of the
    // grace period it ends; when its cascade failed, the deletion no longer saw that secret's keys.
    it('finishes the revocation an earlier end of the secret left undone when it failed', async () => {
      const carol = await admin(t, `carol-failed-${store}`)
      const bob = await t.s.member(`bob-failed-${store}`, t.admin)
      const { key: old, id } = await t.s.createKey(carol.token)
      await roll(t, id, carol.token)
      const forBob = await t.s.createKey(old, { owner: { kind: 'user', id: bob.id }, expires_at: soon() })
      const restore = failOnce(t.s.kw.services.keyLineage, 'revokeGraceProducts')
      assert.equal((await roll(t, id, carol.token, 0)).body.minted_revoked, undefined, 'the cascade failed')
      restore()
      assert.equal((await t.s.verify(t.admin, forBob.key)).code, 'VALID', 'left working by the failure')
      assert.equal((await t.s.request('DELETE', `/v1/users/${carol.id}`, { token: t.admin })).status, 204)
      assert.equal((await t.s.verify(t.admin, forBob.key)).code, 'REVOKED', 'BROKEN: outlives the deleted user')
    })

    // An attacker's find: the sweeper stopped at the first deletion that failed, every run, leaving the rest.
    it('one deletion that keeps failing does not hold back the sweeper from the others', async () => {
      const [stuck, other] = [await admin(t, `stuck-${store}`), await admin(t, `other-${store}`)]
      const bob = await t.s.member(`bob-sweep-${store}`, t.admin)
      const stuckKey = await t.s.createKey(stuck.token)
      await roll(t, stuckKey.id, stuck.token)
      await t.s.createKey(stuckKey.key, { owner: { kind: 'user', id: bob.id }, expires_at: soon() })
      const { key: old, id } = await t.s.createKey(other.token)
      await roll(t, id, other.token)
      const forBob = await t.s.createKey(old, { owner: { kind: 'user', id: bob.id }, expires_at: soon() })
      const lineage = t.s.kw.services.keyLineage
      const real = lineage.revokeGraceProducts.bind(lineage)
      lineage.revokeGraceProducts = (ctx, key, ...rest) =>
        key === stuckKey.id ? Promise.reject(new Error('always fails')) : real(ctx, key, ...rest)
      try {
        assert.equal((await t.s.request('DELETE', `/v1/users/${stuck.id}`, { token: t.admin })).status, 500)
        const restore = failOnce(t.s.kw.services.userLifecycle, 'finishDeletion')
        assert.equal((await t.s.request('DELETE', `/v1/users/${other.id}`, { token: t.admin })).status, 500)
        restore()
        await t.s.kw.services.userLifecycle.finishDeletions()
        assert.equal((await t.s.verify(t.admin, forBob.key)).code, 'REVOKED', 'BROKEN: the sweeper never got to it')
      } finally {
        delete (lineage as Partial<typeof lineage>).revokeGraceProducts
      }
    })
  })

  describe(`which grace periods' keys end with a deleted user (${store})`, () => {
    const clock = manualClock(new Date())
    const t = serverForSuite(store, { clock })
    const inS = (s: number) => new Date(clock.now().getTime() + s * 1000).toISOString()

    /**
     * An admin rolls a key with `graceS`; its old secret makes bob a key ending before the grace end; `advanceMs`
     * later bob keeps it (a year more, as its owner may).
     */
    const keptByBob = async (tag: string, graceS: number, advanceMs: number) => {
      const maker = await admin(t, `maker-${tag}`)
      const bob = await t.s.member(`bob-${tag}`, t.admin)
      const { key: old, id } = await t.s.createKey(maker.token)
      await roll(t, id, maker.token, graceS)
      const forBob = await t.s.createKey(old, { owner: { kind: 'user', id: bob.id }, expires_at: inS(graceS - 10) })
      clock.advance(advanceMs)
      const body = { expires_at: inS(365 * 86_400) }
      const kept = await t.s.request('PATCH', `/v1/keys/${forBob.id}`, { token: bob.token, body })
      assert.equal(kept.status, 200, kept.text)
      return { maker, forBob }
    }

    it('spares what a grace period that ran its course made, which its owner kept', async () => {
      const { maker: dave, forBob } = await keptByBob(`kept-${store}`, 60, 120_000)
      assert.equal((await t.s.request('DELETE', `/v1/users/${dave.id}`, { token: t.admin })).status, 204)
      assert.equal((await t.s.verify(t.admin, forBob.key)).code, 'VALID', "BROKEN: bob's kept key revoked")
    })

    // An attacker's find: a deletion the sweeper finished after the grace end judged the grace period by that
    // time, as one that ran its course, and spared the key bob had kept; a prompt deletion revoked it.
    it('a deletion finished after the grace end cuts where it started, as a prompt one does', async () => {
      const { maker: erin, forBob } = await keptByBob(`late-${store}`, 600, 10_000)
      const restore = failOnce((t.s.kw.services.userLifecycle as unknown as { users: object }).users, 'revokeKeysOf')
      assert.equal((await t.s.request('DELETE', `/v1/users/${erin.id}`, { token: t.admin })).status, 500)
      restore()
      clock.advance(700_000) // past the grace end the deletion cut short
      await t.s.kw.services.userLifecycle.finishDeletions()
      assert.equal((await t.s.verify(t.admin, forBob.key)).code, 'REVOKED', 'BROKEN: spared by a late finish')
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

/** Makes `obj[name]` throw on its next call; returns what puts it back. */
function failOnce(obj: object, name: string): () => void {
  const o = obj as Record<string, unknown>
  const real = o[name]
  o[name] = () => {
    o[name] = real
    return Promise.reject(new Error('an outage'))
  }
  return () => {
    o[name] = real
  }
}

const soon = (less = 0) => new Date(Date.now() + 1_800_000 + less).toISOString()

const roll = (t: SuiteServer, id: number, token: string, grace_period_s = 3600) =>
  t.s.request('POST', `/v1/keys/${id}/roll`, { token, body: { grace_period_s } })
