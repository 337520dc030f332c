import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { prepareAnswer } from '../../src/services/keys/prepared-answer.js'
import { VerifyCache } from '../../src/services/keys/verify-cache.js'
import { STORES, serverForSuite } from '../helpers.js'
import { hashOf, lookup } from './cache-fixtures.js'

/**
 * Attack on the prepared answers of cached keys (`prepared-answer.ts`): once a key has answered
 * VALID from the cache, later hits answer from an object prepared beside its entry. That object
 * must never answer for a call the full checks refuse (a viewer who may not see the key, scopes it
 * lacks, a time past its expiry), never outlive a write to the key or its owner, and never answer
 * for another key that takes the entry's cache slot (a tiny cache evicts all the time).
 */
const USES = 3

describe('attack: a prepared answer kept beside the wrong entry', () => {
  it('is not kept when the slot changed hands between reading the entry and preparing it', () => {
    const active = (id: number) => {
      const l = lookup(id, id)
      return { ...l, key: { ...l.key, userDeactivatedAt: null } }
    }
    const cache = new VerifyCache(1, 0)
    const slot = (cache.set(hashOf(1), active(1)), cache.slotOf(hashOf(1)))
    const stale = prepareAnswer(cache.lookupAt(slot)!, Date.now()) // made from key 1's entry…
    assert.equal(stale?.keyId, 1)
    cache.set(hashOf(2), active(2)) // …which leaves: key 2 takes the only slot
    assert.equal(cache.slotOf(hashOf(2)), slot)
    cache.prepare(slot, stale)
    assert.equal(cache.preparedAt(slot), undefined, 'BROKEN: key 2 would answer as key 1')
    cache.prepare(slot, prepareAnswer(cache.lookupAt(slot)!, Date.now()))
    assert.equal(cache.preparedAt(slot)?.keyId, 2)
  })
})

for (const store of STORES) {
  describe(`attack: prepared answers of cached keys (${store})`, () => {
    const clock = manualClock(new Date('2026-06-01T00:00:00.000Z'))
    const suite = serverForSuite(store, { clock })
    const v = () => suite.s.kw.services.verifier
    /** Codes of `n` verifications through the server's verifier (the first caches, the next prepare and use). */
    const codes = async (key: string, n = USES, opts = {}) => {
      const out: string[] = []
      for (let i = 0; i < n; i++) out.push((await v().verify(key, opts)).code)
      return out
    }

    it('answers a viewer who may not see the key NOT_FOUND, however often another viewer was answered VALID', async () => {
      const { s, admin } = suite
      const alice = await s.member(`alice${Date.now()}`, admin)
      const bob = await s.member(`bob${Date.now()}`, admin)
      const { key } = await s.createKey(alice.token)
      for (let i = 0; i < USES; i++) assert.equal((await s.verify(admin, key)).code, 'VALID')
      for (let i = 0; i < USES; i++) assert.equal((await s.verify(bob.token, key)).code, 'NOT_FOUND', 'BROKEN: viewer')
      assert.equal((await s.verify(alice.token, key)).code, 'VALID')
    })

    it('answers INSUFFICIENT_SCOPES for scopes the key lacks after answering VALID without them', async () => {
      const { s, admin } = suite
      const { key } = await s.createKey(admin, { scopes: ['orders:read'] })
      assert.deepEqual(await codes(key), ['VALID', 'VALID', 'VALID'])
      assert.deepEqual(await codes(key, USES, { scopes: ['orders:read'] }), ['VALID', 'VALID', 'VALID'])
      const refused = await codes(key, USES, { scopes: ['orders:write'] })
      assert.deepEqual(refused, ['INSUFFICIENT_SCOPES', 'INSUFFICIENT_SCOPES', 'INSUFFICIENT_SCOPES'], 'BROKEN')
    })

    it('answers EXPIRED from the moment the clock reaches expires_at', async () => {
      const { s, admin } = suite
      const at = new Date(clock.now().getTime() + 5_000).toISOString()
      const { key } = await s.createKey(admin, { expires_at: at })
      assert.deepEqual(await codes(key), ['VALID', 'VALID', 'VALID'])
      clock.advance(4_999)
      assert.equal(v().verifySync(key)?.code, 'VALID')
      clock.advance(1)
      assert.equal(v().verifySync(key)?.code, 'EXPIRED', 'BROKEN: expiry')
    })

    it('refuses after disable, revoke and the owner deactivated, each after answers from the prepared one', async () => {
      const { s, admin } = suite
      const carol = await s.member(`carol${Date.now()}`, admin)
      const dis = await s.createKey(admin)
      const rev = await s.createKey(admin)
      const own = await s.createKey(carol.token)
      for (const k of [dis, rev, own]) assert.deepEqual(await codes(k.key), ['VALID', 'VALID', 'VALID'])
      for (const [k, path] of [
        [dis, `/v1/keys/${dis.id}/disable`],
        [rev, `/v1/keys/${rev.id}/revoke`],
        [own, `/v1/users/${carol.id}/deactivate`],
      ] as const) {
        assert.deepEqual(await codes(k.key, 1), ['VALID'])
        const r = await s.request('POST', path, { token: admin })
        assert.ok(r.status < 300, `${path}: ${r.status} ${r.text}`)
        const after = await codes(k.key)
        assert.ok(!after.includes('VALID'), `BROKEN: ${path} then ${after.join()}`)
      }
    })
  })

  describe(`attack: prepared answers in a cache of two slots (${store})`, () => {
    const suite = serverForSuite(store, { env: { KEYWARD_CACHE_SIZE: '2' } })
    const v = () => suite.s.kw.services.verifier

    it('never answers for another key that takes the slot (keys taking turns)', async () => {
      const { s, admin } = suite
      const keys = [await s.createKey(admin), await s.createKey(admin), await s.createKey(admin)]
      const revoked = await s.createKey(admin)
      await s.request('POST', `/v1/keys/${revoked.id}/revoke`, { token: admin })
      for (let round = 0; round < 4; round++)
        for (const k of [...keys, revoked, ...keys.reverse()]) {
          const answers = await Promise.all([v().verify(k.key), v().verify(k.key)])
          const sync = v().verifySync(k.key)
          for (const a of [...answers, ...(sync ? [sync] : [])]) {
            assert.equal(a.keyId, k.id, `BROKEN: round ${round}, key ${k.id} answered as ${a.keyId}`)
            assert.equal(a.code, k === revoked ? 'REVOKED' : 'VALID')
          }
        }
    })
  })
}
