import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { hashSecret } from '../../src/core/key-format.js'
import { LimitStep } from '../../src/services/policies/limit-step.js'
import { IdentityRepository } from '../../src/store/identity-repository.js'
import { KeyRepository } from '../../src/store/key-repository.js'
import { STORES, type SuiteServer, serverForSuite } from '../helpers.js'

/**
 * An identity's credits are never more than it was last given. A verification takes the
 * identity's credit first, then the key's; when the key has none left, the identity's credit is
 * given back. Whatever sets the count anew between the take and the give-back must not receive
 * it: a refill by another node's verification (an attacker saw 67 credits on an identity refilled
 * to 40), or an admin's PATCH resetting the count or cutting the customer off (a reviewer's find:
 * 41 of 40, and 1 credit back after `remaining: 0`).
 */
for (const store of STORES) {
  describe(`identity credits: a give-back lands only where it was taken (${store})`, () => {
    const t = serverForSuite(store)
    const refill = { amount: 40, interval_s: 60 }

    it('a refill in between receives nothing', async () => {
      const after = await raceGiveBack(t, { remaining: 40, refill }, async (repo, identityId, now) => {
        await repo.consumeUse(identityId, new Date(now.getTime() + 61_000), refill, 0)
      })
      assert.equal(after, 40, 'a refill holds its amount, no more')
    })

    it("an admin's reset in between receives nothing", async () => {
      const after = await raceGiveBack(t, { remaining: 40, refill }, (_repo, identityId) =>
        patchRemaining(t, identityId, 40),
      )
      assert.equal(after, 40, 'the reset holds what the admin set, no more')
    })

    it("an admin's cut-off in between stays a cut-off", async () => {
      const after = await raceGiveBack(t, { remaining: 5 }, (_repo, identityId) => patchRemaining(t, identityId, 0))
      assert.equal(after, 0)
      const other = await t.s.createKey(t.admin, { identity_id: await lastIdentity(t) })
      assert.equal((await t.s.verify(t.admin, other.key)).code, 'USAGE_EXCEEDED')
    })

    it('with nothing in between, the credit comes back (control)', async () => {
      const after = await raceGiveBack(t, { remaining: 5 }, async () => {})
      assert.equal(after, 4, "the set-up's one valid verification took 1; the refused one gave its credit back")
    })
  })
}

for (const store of STORES) {
  describe(`credits: a refill reads the settings the row has now, not a cached copy (${store})`, () => {
    const t = serverForSuite(store)
    const refill = { amount: 40, interval_s: 60 }

    // A reviewer's find: a verification that read the settings before an admin's cut-off (its cache,
    // an earlier query) refilled the row to the old amount after it, and every key verified again.
    it("an identity cut off (remaining 0, no refill) is not refilled from a verification's stale copy", async () => {
      const { s, admin } = t
      const r = await s.request('POST', '/v1/identities', {
        token: admin,
        body: { external_id: 'stale-refill', remaining: 40, refill },
      })
      const key = await s.createKey(admin, { identity_id: r.body.id })
      const stale = await readLookup(t, key.key)
      await patch(t, `/v1/identities/${r.body.id}`, { remaining: 0, refill: null })
      const later = new Date(Date.now() + 61_000)
      const verdict = await new LimitStep(s.kw.services.limiter, ...repos(t)).apply(stale, {}, later)
      assert.equal(verdict.code, 'USAGE_EXCEEDED', 'BROKEN: refilled from the settings the admin removed')
      assert.equal((await s.request('GET', `/v1/identities/${r.body.id}`, { token: admin })).body.remaining, 0)
    })

    it("nor is a key's own budget", async () => {
      const { s, admin } = t
      const key = await s.createKey(admin, { remaining: 40, refill })
      const stale = await readLookup(t, key.key)
      await patch(t, `/v1/keys/${key.id}`, { remaining: 0, refill: null })
      const later = new Date(Date.now() + 61_000)
      const verdict = await new LimitStep(s.kw.services.limiter, ...repos(t)).apply(stale, {}, later)
      assert.equal(verdict.code, 'USAGE_EXCEEDED', 'BROKEN: refilled from the settings the admin removed')
      assert.equal((await s.request('GET', `/v1/keys/${key.id}`, { token: admin })).body.remaining, 0)
    })

    it('a refill still comes when it is due and the settings are unchanged (control)', async () => {
      const { s, admin } = t
      const key = await s.createKey(admin, { remaining: 1, refill })
      assert.equal((await s.verify(admin, key.key)).code, 'VALID')
      const found = await readLookup(t, key.key)
      const later = new Date(Date.now() + 61_000)
      const verdict = await new LimitStep(s.kw.services.limiter, ...repos(t)).apply(found, {}, later)
      assert.equal(verdict.code, 'VALID')
      assert.equal(verdict.remaining, 39)
    })
  })
}

function repos(t: SuiteServer): [KeyRepository, IdentityRepository] {
  const { db, dialect } = t.s.kw.services.store
  return [new KeyRepository(db, dialect), new IdentityRepository(db, dialect)]
}

/** The key and identity as a verification reads them (and its cache keeps them). */
async function readLookup(t: SuiteServer, key: string) {
  return (await repos(t)[0].findByHash(hashSecret(key)))!
}

async function patch(t: SuiteServer, path: string, body: Record<string, unknown>): Promise<void> {
  const r = await t.s.request('PATCH', path, { token: t.admin, body })
  assert.equal(r.status, 200, r.text)
}

let made = 0

/**
 * An identity with `body` and a spent key in it, verified once with `between` run right after the
 * identity's credit was taken (so before the key refuses and the credit is given back); the
 * identity's `remaining` after.
 */
async function raceGiveBack(
  t: SuiteServer,
  body: Record<string, unknown>,
  between: (repo: IdentityRepository, identityId: number, now: Date) => Promise<void>,
): Promise<number | null> {
  const { s, admin } = t
  const r = await s.request('POST', '/v1/identities', {
    token: admin,
    body: { external_id: `race-${++made}`, ...body },
  })
  assert.equal(r.status, 201, r.text)
  const identityId = r.body.id as number
  // A key already spent: every verification takes the identity's credit, then gives it back.
  const spent = await s.createKey(admin, { identity_id: identityId, remaining: 1 })
  assert.equal((await s.verify(admin, spent.key)).code, 'VALID')
  const { db, dialect } = s.kw.services.store
  const identities = new IdentityRepository(db, dialect)
  const keys = new KeyRepository(db, dialect)
  const found = (await keys.findByHash(hashSecret(spent.key)))!
  const now = new Date()
  const racing: Pick<IdentityRepository, 'consumeUse' | 'refund'> = {
    consumeUse: async (...args) => {
      const taken = await identities.consumeUse(...args)
      await between(identities, identityId, now)
      return taken
    },
    refund: (...args) => identities.refund(...args),
  }
  const verdict = await new LimitStep(s.kw.services.limiter, keys, racing).apply(found, {}, now)
  assert.equal(verdict.code, 'USAGE_EXCEEDED')
  return (await s.request('GET', `/v1/identities/${identityId}`, { token: admin })).body.remaining as number | null
}

async function patchRemaining(t: SuiteServer, identityId: number, remaining: number): Promise<void> {
  const r = await t.s.request('PATCH', `/v1/identities/${identityId}`, { token: t.admin, body: { remaining } })
  assert.equal(r.status, 200, r.text)
}

async function lastIdentity(t: SuiteServer): Promise<number> {
  const r = await t.s.request('GET', '/v1/identities?limit=1', { token: t.admin })
  return r.body.identities[0].id as number
}
