import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { STORES, type SuiteServer, serverForSuite } from '../helpers.js'
import { holdNextCall } from '../hold.js'

/**
 * A key made by a rolled-away secret during its grace period is bounded by that grace end
 * (`boundedBy`), so it must not outlive the secret either when the grace period ends early.
 * End-grace revoked them; a leak report naming the old secret, or a second roll, ended the
 * secret and left what it made working until the grace end promised at the first roll: a
 * leaked secret's keys survived the leak. The keys the secret now in grace makes are not touched.
 */
for (const store of STORES) {
  describe(`what a rolled-away secret made ends when its grace period is cut short (${store})`, () => {
    const t = serverForSuite(store)

    it("a leak report of the old secret revokes what it made, with their line, for any owner; not the current secret's", async () => {
      const bob = await t.s.member(`bob-leak-${store}`, t.admin)
      const { key: old, id } = await t.s.createKey(bob.token)
      const current = (await roll(t, id, bob.token)).body.key as string
      const byOld = await t.s.createKey(old, { expires_at: soon() })
      const grandchild = await t.s.createKey(byOld.key, { expires_at: soon(-60_000) })
      const byCurrent = await t.s.createKey(current)
      // The owner can tell them apart before anything ends (a new user's find: both showed only the maker).
      assert.ok(Date.parse(byOld.record.created_in_grace_until) > Date.now(), 'made by the rolled-away secret')
      assert.equal(byCurrent.record.created_in_grace_until, null)
      assert.equal((await report(t, old)).statusCode, 202)
      for (const made of [byOld, grandchild])
        assert.equal((await t.s.verify(t.admin, made.key)).code, 'REVOKED', 'BROKEN: outlives the leaked secret')
      assert.equal((await t.s.verify(t.admin, byCurrent.key)).code, 'VALID', "the current secret's keys live on")
      assert.equal((await t.s.verify(t.admin, current)).code, 'VALID')
      const audit = await t.s.request('GET', `/v1/audit?action=key.revoke&target_id=${byOld.id}`, { token: t.admin })
      assert.equal(audit.body.events[0]?.details.root_key_id, id, 'audited, naming the leaked key')
      assert.match(audit.body.events[0]?.details.reason, /a leak report ended early/, 'and what ended it')
    })

    it('a second roll revokes what the secret it cut short made', async () => {
      const { key: first, id } = await t.s.createKey(t.admin)
      const rolled = await roll(t, id)
      assert.equal(rolled.body.minted_revoked, 0, 'no grace period was running')
      const second = rolled.body.key as string
      const byFirst = await t.s.createKey(first, { expires_at: soon() })
      const bySecond = await t.s.createKey(second)
      const again = await roll(t, id)
      assert.equal(again.status, 200)
      assert.equal(again.body.minted_revoked, 1, 'the answer counts them (a new user read the CLI as a guess)')
      assert.equal((await t.s.verify(t.admin, byFirst.key)).code, 'REVOKED', 'BROKEN: outlives the secret')
      assert.equal((await t.s.verify(t.admin, bySecond.key)).code, 'VALID', 'made by a secret while it was current')
    })

    it('spares what the secret now in its grace period makes while the cut-short one is being cleaned up', async () => {
      const { key: first, id } = await t.s.createKey(t.admin)
      const second = (await roll(t, id)).body.key as string
      const byFirst = await t.s.createKey(first, { expires_at: soon() })
      const held = holdNextCall(t.s.kw.services.keyLineage, 'revokeGraceProducts')
      const rolling = roll(t, id)
      await held.reached
      const bySecondInGrace = await t.s.createKey(second, { expires_at: soon() })
      held.go()
      assert.equal((await rolling).status, 200)
      assert.equal((await t.s.verify(t.admin, byFirst.key)).code, 'REVOKED')
      const code = (await t.s.verify(t.admin, bySecondInGrace.key)).code
      assert.equal(code, 'VALID', 'BROKEN: revoked with a grace period that is still running')
    })

    it('a leak report racing a roll ends only the leaked secret, not the grace period the roll just promised', async () => {
      const { key: first, id } = await t.s.createKey(t.admin)
      await roll(t, id)
      const byFirst = await t.s.createKey(first, { expires_at: soon() })
      const held = holdNextCall(t.s.kw.services.keys, 'write')
      const reporting = report(t, first)
      await held.reached
      const third = await roll(t, id)
      held.go()
      assert.equal((await reporting).statusCode, 202)
      const second = await t.s.request('GET', `/v1/keys/${id}`, { token: t.admin })
      assert.ok(second.body.previous_secret_expires_at, 'BROKEN: the grace period the roll promised was ended')
      assert.equal((await t.s.verify(t.admin, third.body.key)).code, 'VALID')
      assert.equal((await t.s.verify(t.admin, byFirst.key)).code, 'REVOKED')
    })

    // An attacker's find: a roll judged the grace period it cut short by its own read; one that read the key before
    // another roll landed ended that roll's new grace period (and its new secret) unseen, with no cascade.
    it('a roll that read the key before another roll landed is a 409; both rolls keep their promises', async () => {
      const { key: first, id } = await t.s.createKey(t.admin)
      const held = holdNextCall(t.s.kw.services.keys, 'write')
      const stale = t.s.request('POST', `/v1/keys/${id}/roll`, { token: t.admin, body: {} })
      await held.reached
      const landed = await roll(t, id)
      const byFirst = await t.s.createKey(first, { expires_at: soon() })
      held.go()
      const late = await stale
      assert.equal(late.status, 409, `BROKEN: ${late.status} ${late.text}`)
      for (const secret of [first, landed.body.key, byFirst.key])
        assert.equal((await t.s.verify(t.admin, secret)).code, 'VALID', 'BROKEN: ended by a roll that was refused')
    })

    // An attacker's find: the cascade ran with the roller's visibility, so a demoted admin's roll left what its old
    // secret had made for another user working.
    it('reaches what the secret made for others, whatever the one who ended it may see now', async () => {
      const { id, forCarol, asMember } = await demotedMaker(t, `roll-${store}`)
      assert.equal((await roll(t, id, asMember)).status, 200)
      assert.equal((await t.s.verify(t.admin, forCarol.key)).code, 'REVOKED', 'BROKEN: outlives the secret')
    })

    // An attacker's find: revoking a key (or a leak report revoking it) ended its rolled-away secret too, and left
    // what that secret had made working.
    for (const how of ['revoke', 'leak report of the current secret'] as const) {
      it(`a ${how} revokes what the rolled-away secret made; the current secret's keys live on`, async () => {
        const { key: old, id } = await t.s.createKey(t.admin)
        const current = (await roll(t, id)).body.key as string
        const byOld = await t.s.createKey(old, { expires_at: soon() })
        const byCurrent = await t.s.createKey(current)
        if (how === 'revoke') {
          const r = await t.s.request('POST', `/v1/keys/${id}/revoke`, { token: t.admin })
          assert.equal(r.body.minted_revoked, 1, 'the answer counts what went with it')
        } else assert.equal((await report(t, current)).statusCode, 202)
        assert.equal((await t.s.verify(t.admin, current)).code, 'REVOKED')
        assert.equal((await t.s.verify(t.admin, byOld.key)).code, 'REVOKED', 'BROKEN: outlives the secret')
        assert.equal((await t.s.verify(t.admin, byCurrent.key)).code, 'VALID', 'only `minted: true` takes those')
      })
    }

    // An attacker's find: `revoke {minted: true}` walked only what the revoker may see now, and skipped the grace
    // cascade the plain revoke runs: asking for more revoked less.
    it('revoke {minted: true} by a demoted admin reaches what the old secret made for others', async () => {
      const { id, forCarol, asMember } = await demotedMaker(t, `minted-${store}`)
      const r = await t.s.request('POST', `/v1/keys/${id}/revoke`, { token: asMember, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.minted_revoked, 1, 'counted')
      assert.equal((await t.s.verify(t.admin, forCarol.key)).code, 'REVOKED', 'BROKEN: outlives the secret')
    })

    // An attacker's find: the old secret rolled another key it covered and kept that key's new secret after its own
    // grace period was cut short (nothing tied the two), shutting the key's holders out.
    it('a rolled-away secret rolls no key, its own included, and says why', async () => {
      const { key: old, id } = await t.s.createKey(t.admin)
      const current = (await roll(t, id)).body.key as string
      const sibling = await t.s.createKey(t.admin, { expires_at: soon(-60_000) })
      for (const [target, secret] of [
        [sibling.id, sibling.key],
        [id, current],
      ] as const) {
        const taken = await t.s.request('POST', `/v1/keys/${target}/roll`, { token: old, body: {} })
        assert.equal(taken.status, 403, `BROKEN: ${taken.status} ${taken.text}`)
        assert.match(taken.body.error.message, /rolled-away secret rolls no key/)
        assert.equal((await t.s.verify(t.admin, secret)).code, 'VALID', 'the secret is as it was')
      }
    })

    // An attacker's find: only the native revoke ran the cascade; the faces' revokes and every delete ended the old
    // secret and left what it made working.
    const ends = {
      'a balena OData DELETE': (id: number) => t.s.request('DELETE', `/v7/api_key(${id})`, { token: t.admin }),
      'a Fluxbase revoke': (id: number) => t.s.request('POST', `/api/v1/api-keys/${id}/revoke`, { token: t.admin }),
      'a Fluxbase delete': (id: number) => t.s.request('DELETE', `/api/v1/client-keys/${id}`, { token: t.admin }),
      'a native DELETE': (id: number) => t.s.request('DELETE', `/v1/keys/${id}`, { token: t.admin }),
    }
    for (const [how, end] of Object.entries(ends)) {
      it(`${how} revokes what the rolled-away secret made`, async () => {
        const { key: old, id } = await t.s.createKey(t.admin)
        await roll(t, id)
        const byOld = await t.s.createKey(old, { expires_at: soon() })
        const ended = await end(id)
        assert.ok(ended.status < 300, `${ended.status} ${ended.text}`)
        assert.notEqual((await t.s.verify(t.admin, old)).code, 'VALID')
        assert.equal((await t.s.verify(t.admin, byOld.key)).code, 'REVOKED', 'BROKEN: outlives the secret')
      })
    }

    // An attacker's find: a roll whose cascade failed answered 500 after it had committed: the new secret was lost,
    // and with no grace period the key had no working secret.
    it('a roll whose cascade fails still hands out its new secret; end-grace finishes the cascade', async () => {
      const { key: first, id } = await t.s.createKey(t.admin)
      await roll(t, id)
      const byFirst = await t.s.createKey(first, { expires_at: soon() })
      const lineage = t.s.kw.services.keyLineage
      lineage.revokeGraceProducts = () => Promise.reject(new Error('the database went away'))
      const rolled = await t.s.request('POST', `/v1/keys/${id}/roll`, { token: t.admin, body: {} })
      delete (lineage as Partial<typeof lineage>).revokeGraceProducts
      assert.equal(rolled.status, 200, `BROKEN: ${rolled.status} ${rolled.text}`)
      assert.equal(rolled.body.minted_revoked, undefined, 'no count: the revocation did not run')
      assert.equal((await t.s.verify(t.admin, rolled.body.key)).code, 'VALID')
      assert.equal((await t.s.request('POST', `/v1/keys/${id}/end-grace`, { token: t.admin })).body.minted_revoked, 1)
      assert.equal((await t.s.verify(t.admin, byFirst.key)).code, 'REVOKED')
    })
  })

  describe(`which grace periods' keys end (${store})`, () => {
    const clock = manualClock(new Date())
    const t = serverForSuite(store, { clock })
    const inS = (s: number) => new Date(clock.now().getTime() + s * 1000).toISOString()

    // An attacker's find: the cascade revoked the keys of every grace period of the maker, however long ago it ran
    // its course, over keys their owners had kept (extended) since, and whoever the maker's owner had become.
    it('spares what a grace period that ran its course made, even when its owner kept it', async () => {
      const carol = await t.s.member(`carol-kept-${store}`, t.admin)
      const { key: old, id } = await t.s.createKey(t.admin)
      await roll(t, id, t.admin, 60)
      const forCarol = await t.s.createKey(old, { expires_at: inS(50), owner: { kind: 'user', id: carol.id } })
      clock.advance(120_000)
      const kept = await t.s.request('PATCH', `/v1/keys/${forCarol.id}`, {
        token: carol.token,
        body: { expires_at: inS(365 * 86_400) },
      })
      assert.equal(kept.status, 200, kept.text)
      await roll(t, id, t.admin, 60)
      await roll(t, id, t.admin, 60) // cuts the second grace period short
      assert.equal((await t.s.request('POST', `/v1/keys/${id}/revoke`, { token: t.admin })).status, 200)
      assert.equal((await t.s.verify(t.admin, forCarol.key)).code, 'VALID', 'BROKEN: revoked long after')
    })

    // An attacker's find: a grace period is named by its end; two ending at the same instant were one, and a roll
    // cutting the first short spared what it made as the second's.
    it('tells apart two grace periods meant to end at the same instant', async () => {
      const { key: first, id } = await t.s.createKey(t.admin)
      await roll(t, id, t.admin, 100)
      const byFirst = await t.s.createKey(first, { expires_at: inS(90) })
      clock.advance(50_000)
      const second = await roll(t, id, t.admin, 50)
      assert.equal(second.status, 200)
      assert.equal((await t.s.verify(t.admin, byFirst.key)).code, 'REVOKED', 'BROKEN: spared as the new grace period')
    })
  })
}

/**
 * Bob, an admin, rolls his key; its old secret makes a key for carol; bob is demoted to member, who may not see
 * carol's keys. Answers bob's key, carol's key and bob's member session.
 */
async function demotedMaker(t: SuiteServer, tag: string) {
  const [bob, carol] = [await t.s.member(`bob-${tag}`, t.admin), await t.s.member(`carol-${tag}`, t.admin)]
  const login = () => t.s.login(`bob-${tag}@example.com`, `bob-${tag}-password-1`)
  await t.s.request('PATCH', `/v1/users/${bob.id}`, { token: t.admin, body: { role: 'admin' } })
  const { key: old, id } = await t.s.createKey(await login())
  await roll(t, id, await login())
  const forCarol = await t.s.createKey(old, { expires_at: soon(), owner: { kind: 'user', id: carol.id } })
  await t.s.request('PATCH', `/v1/users/${bob.id}`, { token: t.admin, body: { role: 'member' } })
  return { id, forCarol, asMember: await login() }
}

const soon = (less = 0) => new Date(Date.now() + 1_800_000 + less).toISOString()

const roll = (t: SuiteServer, id: number, token = t.admin, grace_period_s = 3600) =>
  t.s.request('POST', `/v1/keys/${id}/roll`, { token, body: { grace_period_s } })

const report = (t: SuiteServer, key: string) =>
  t.s.kw.app.inject({ method: 'POST', url: '/v1/keys/leaked', payload: { key } })
