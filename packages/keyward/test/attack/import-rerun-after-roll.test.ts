import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Attack on import idempotency: re-running one's own import (same plaintext, same external_id)
 * after the imported key was rolled with a grace period. It must never create a second key that
 * the old secret verifies as, nor hand the pre-roll secret to anyone; the answer is recorded below.
 */
for (const store of STORES) {
  describe(`attack: re-running an import after a roll (${store})`, () => {
    const suite = serverForSuite(store)

    it('the re-run creates no second key for the old secret, and the old secret stays the rolled key’s', async () => {
      const { s, admin } = suite
      const plaintext = `ext_${randomBytes(24).toString('hex')}`
      const body = { keys: [{ plaintext, external_id: `ext-${randomBytes(3).toString('hex')}` }] }
      const first = await s.request('POST', '/v1/keys/import', { token: admin, body })
      assert.equal(first.status, 200, first.text)
      const id = first.body.keys[0].id as number
      const roll = await s.request('POST', `/v1/keys/${id}/roll`, { token: admin, body: { grace_period_s: 3600 } })
      assert.equal(roll.status, 200, roll.text)
      const again = await s.request('POST', '/v1/keys/import', { token: admin, body })
      assert.ok([200, 409].includes(again.status), `${again.status} ${again.text}`)
      if (again.status === 200) assert.deepEqual(again.body.keys, [{ index: 0, id, status: 'unchanged' }], 'BROKEN')
      const v = await s.verify(admin, plaintext)
      assert.equal(v.key_id ?? v.keyId, id, `BROKEN: the old secret verifies as another key: ${JSON.stringify(v)}`)
      console.log(`[${store}] re-run after roll: ${again.status} ${again.text}`)
    })
  })
}
