import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { hashSecret } from '../../src/core/key-format.js'
import { LimitStep } from '../../src/services/policies/limit-step.js'
import { IdentityRepository } from '../../src/store/identity-repository.js'
import { KeyRepository } from '../../src/store/key-repository.js'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * An identity's credits never exceed its refill amount. A verification takes the identity's
 * credit first, then the key's; when the key has none left, the identity's credit is given back.
 * A refill landing between the take and the give-back (another node's verification, a minute
 * later) must not receive that give-back: it would add a credit the new period never spent.
 * The attacker saw 67 credits on an identity refilled to 40 (two nodes, many keys, one spent).
 */
for (const store of STORES) {
  describe(`identity credits across a refill (${store})`, () => {
    const t = serverForSuite(store)

    it('gives back nothing to a period that began after the credit was taken', async () => {
      const { s, admin } = t
      const refill = { amount: 40, interval_s: 60 }
      const made = await s.request('POST', '/v1/identities', {
        token: admin,
        body: { external_id: 'refund-refill', remaining: 40, refill },
      })
      assert.equal(made.status, 201)
      const identityId = made.body.id as number
      // A key already spent: every verification takes the identity's credit, then gives it back.
      const spent = await s.createKey(admin, { identity_id: identityId, remaining: 1 })
      assert.equal((await s.verify(admin, spent.key)).code, 'VALID')

      const { db, dialect } = s.kw.services.store
      const identities = new IdentityRepository(db, dialect)
      const keys = new KeyRepository(db, dialect)
      const found = (await keys.findByHash(hashSecret(spent.key)))!
      const now = new Date()
      // Another node's verification a period later refills the identity between the take and the give-back.
      const racing: Pick<IdentityRepository, 'consumeUse' | 'refund'> = {
        consumeUse: async (...args) => {
          const left = await identities.consumeUse(...args)
          await identities.consumeUse(identityId, new Date(now.getTime() + 61_000), refill, 0)
          return left
        },
        refund: (...args) => identities.refund(...args),
      }
      const step = new LimitStep(s.kw.services.limiter, keys, racing)
      const verdict = await step.apply(found, {}, now)
      assert.equal(verdict.code, 'USAGE_EXCEEDED')

      const after = await s.request('GET', `/v1/identities/${identityId}`, { token: admin })
      assert.equal(after.body.remaining, 40, 'a refill holds its amount, no more')
    })
  })
}
