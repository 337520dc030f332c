import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * `GET /v1/audit?target_type=&target_id=`: an id names nothing on its own (user 1, key 1 and
 * identity 1 share it). A new user's find: `target_id=1` mixed key 1's entries with the admin's
 * sign-ins, and after 110 updates of identity 1 the key's page (the newest 100 entries about
 * "1", then only the key's kept) said "No events recorded for this key".
 */
for (const store of STORES) {
  describe(`audit entries about one target (${store})`, () => {
    const t = serverForSuite(store)

    it("a key's entries, however many entries other targets with its id have", async () => {
      const k = await t.s.createKey(t.admin, { name: 'crowded' })
      await t.s.request('POST', `/v1/keys/${k.id}/disable`, { token: t.admin })
      // Bring an identity to the key's id, then give it more entries than a page.
      let identity: number
      do {
        const r = await t.s.request('POST', '/v1/identities', {
          token: t.admin,
          body: { external_id: `crowd-${Math.random()}` },
        })
        assert.equal(r.status, 201, r.text)
        identity = r.body.id
      } while (identity < k.id)
      assert.equal(identity, k.id, 'identity ids start below key ids here')
      for (let i = 0; i < 105; i++)
        await t.s.request('PATCH', `/v1/identities/${identity}`, { token: t.admin, body: { meta: { i } } })
      const r = await t.s.request('GET', `/v1/audit?target_type=api_key&target_id=${k.id}&limit=100`, {
        token: t.admin,
      })
      assert.equal(r.status, 200, r.text)
      assert.deepEqual(
        r.body.events.map((e: any) => [e.action, e.target_type, e.target_id]),
        [
          ['key.disable', 'api_key', String(k.id)],
          ['key.create', 'api_key', String(k.id)],
        ],
      )
      const types = await t.s.request('GET', `/v1/audit?target_type=identity&limit=500`, { token: t.admin })
      assert.ok(types.body.events.length >= 106)
      assert.ok(types.body.events.every((e: any) => e.target_type === 'identity'))
    })

    it('an unknown type, or a target id that is no id, is a 400 naming the field', async () => {
      for (const [q, field] of [
        ['target_type=key', 'target_type'],
        ['target_type=api_key&target_id=abc', 'target_id'],
        ['target_id=99999999999', 'target_id'],
        ['target_id=0', 'target_id'],
      ]) {
        const r = await t.s.request('GET', `/v1/audit?${q}`, { token: t.admin })
        assert.equal(r.status, 400, `${q}: ${r.text}`)
        assert.equal(r.body.error.code, 'validation_failed')
        assert.match(JSON.stringify(r.body.error.details), new RegExp(field!), q)
      }
    })

    it("malformed filters (helper-93's list) are a 400 or an answer, never a 5xx, for an admin and a member", async () => {
      const member = await t.s.member(`fuzz-${store}`, t.admin)
      const refused = [
        'target_id=1e3',
        'target_id=%2B5x',
        'target_id=2147483648',
        'target_id=-1',
        'target_id=1.5',
        'target_id=0x10',
        'target_type=',
        'target_type=API_KEY',
        'target_type=__proto__',
        'target_type=api_key,user',
        'target_id=true',
        'target_id=null',
        'target_type[]=api_key',
      ]
      const answered = [
        'target_id=2147483647',
        'target_type=api_key&target_id=1&before_id=2147483647&action=key.import',
        'before_id=1&target_id=1',
        'target_type=realm_session',
      ]
      for (const token of [t.admin, member.token]) {
        for (const q of refused) {
          const r = await t.s.request('GET', `/v1/audit?${q}`, { token })
          assert.equal(r.status, 400, `${q}: ${r.text}`)
          assert.equal(r.body.error.code, 'validation_failed', q)
        }
        for (const q of answered) assert.equal((await t.s.request('GET', `/v1/audit?${q}`, { token })).status, 200, q)
      }
    })
  })
}
