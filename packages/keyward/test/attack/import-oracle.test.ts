import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

const foreign = () => `uk_${randomBytes(24).toString('base64url')}`
const hex = (secret: string) => ({ value: createHash('sha256').update(secret).digest('hex'), variant: 'sha256_hex' })

/**
 * `POST /v1/keys/import` by hash must not tell a caller about keys it cannot see: importing another
 * tenant's hash (current, or the old one of a key rolled with a grace period) gets one generic
 * refusal, the same body as for a secret the caller itself uses under another owner, which says
 * nothing of existence. A caller re-running their own import (with or without external_id) gets
 * "unchanged", not a conflict.
 */
for (const store of STORES) {
  describe(`attack: import by hash as an existence oracle (${store})`, () => {
    let s: TestServer
    let admin: string
    let victim: { id: number; token: string }
    let attacker: { id: number; token: string }
    const importKeys = (token: string, keys: unknown[]) =>
      s.request('POST', '/v1/keys/import', { token, body: { keys } })
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      victim = await s.member(`victim${randomBytes(3).toString('hex')}`, admin)
      attacker = await s.member(`attacker${randomBytes(3).toString('hex')}`, admin)
    })
    after(() => s.close())

    /** The refusal an import of item 1 gets, without anything that differs between calls. */
    const refusal = (r: { status: number; body: any }) => ({ status: r.status, body: r.body })

    it('another tenant’s hash and the caller’s own secret under another owner get the same answer', async () => {
      const secret = foreign()
      const victims = await importKeys(victim.token, [{ plaintext: secret }])
      assert.equal(victims.status, 200, victims.text)
      const probe = await importKeys(attacker.token, [{ plaintext: foreign() }, { hash: hex(secret) }])

      // A secret the attacker has under their own organization, imported again for themselves.
      const handle = `att-${randomBytes(3).toString('hex')}`
      const org = await s.request('POST', '/v1/organizations', {
        token: attacker.token,
        body: { name: handle, handle },
      })
      assert.equal(org.status, 201, org.text)
      const mine = foreign()
      const orgOwner = { kind: 'organization', id: org.body.id }
      assert.equal((await importKeys(attacker.token, [{ plaintext: mine, owner: orgOwner }])).status, 200)
      const own = await importKeys(attacker.token, [{ plaintext: foreign() }, { hash: hex(mine) }])

      assert.equal(probe.status, 409, probe.text)
      assert.deepEqual(refusal(probe), refusal(own), 'nothing tells another tenant’s key from the caller’s own')
      assert.doesNotMatch(probe.text, /exist|another|owner|tenant/i, 'the refusal does not say the key exists')
      assert.deepEqual(probe.body.error.details, [{ field: 'keys[1]', message: probe.body.error.message }])
      assert.equal((await s.request('GET', '/v1/keys', { token: attacker.token })).body.total, 1, 'all or nothing')
    })

    it('the old hash of a key rolled with a grace period cannot be taken over by import', async () => {
      const k = await s.createKey(victim.token)
      const rolled = await s.request('POST', `/v1/keys/${k.id}/roll`, {
        token: victim.token,
        body: { grace_period_s: 3600 },
      })
      assert.equal(rolled.status, 200, rolled.text)
      const probe = await importKeys(attacker.token, [{ plaintext: foreign() }, { hash: hex(k.key) }])
      assert.equal(probe.status, 409, probe.text)
      assert.equal(probe.body.error.code, 'conflict')
      const v = await s.verify(admin, k.key)
      assert.equal(v.valid, true, 'the old secret still verifies during its grace period')
      assert.equal(v.key_id, k.id, 'as the victim’s key, not one the attacker imported')
    })

    it('re-running one’s own import without external_id changes nothing (unchanged, same ids)', async () => {
      const keys = [{ plaintext: foreign(), name: 'rerun-a' }, { hash: hex(foreign()) }]
      const first = await importKeys(victim.token, keys)
      assert.equal(first.status, 200, first.text)
      const again = await importKeys(victim.token, keys)
      assert.equal(again.status, 200, again.text)
      assert.deepEqual(again.body, {
        imported: 0,
        unchanged: 2,
        keys: first.body.keys.map((k: { index: number; id: number }) => ({ ...k, status: 'unchanged' })),
        notes: [],
      })
    })
  })
}
