import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type Listening, STORES, listening, member } from './server.js'

for (const kind of STORES) {
  describe(`@keyward/client identities and named limits (${kind})`, () => {
    let l: Listening
    before(async () => {
      l = await listening(kind)
    })
    after(() => l.close())

    test('kw.identities creates, finds, updates and deletes; keys link to one and verify with a cost', async () => {
      const kw = l.admin
      const customer = await kw.identities.create({
        external_id: 'sdk_cust',
        remaining: 100,
        ratelimits: [{ name: 'requests', limit: 10, window_s: 60, auto_apply: true }],
      })
      assert.equal((await kw.identities.find('sdk_cust')).id, customer.id)
      const { key, api_key } = await kw.apiKeys.create({
        name: 'sdk-limited',
        identity_id: customer.id,
        ratelimits: [{ name: 'tokens', limit: 1000, window_s: 3600 }],
      })
      assert.equal(api_key.identity_id, customer.id)
      const r = await kw.apiKeys.verify(key, { ratelimits: [{ name: 'tokens', cost: 250 }], cost: 5 })
      assert.equal(r.code, 'VALID')
      assert.equal(r.remaining, 95)
      assert.deepEqual(
        r.ratelimits?.map((x) => [x.on, x.name, x.remaining]),
        [
          ['key', 'tokens', 750],
          ['identity', 'requests', 9],
        ],
      )
      const page = await kw.apiKeys.list({ identity_id: customer.id })
      assert.deepEqual(
        page.api_keys.map((k) => k.id),
        [api_key.id],
      )
      assert.equal((await kw.identities.update(customer.id, { remaining: null })).remaining, null)
      await kw.identities.delete(customer.id)
      await assert.rejects(kw.identities.get(customer.id), { code: 'not_found', status: 404 })
    })

    test("another member's identity is not_found through the SDK, and cannot be linked", async () => {
      const other = await member(l, 'sdk-other')
      const theirs = await other.client.identities.create({ external_id: 'theirs' })
      const mine = await member(l, 'sdk-mine')
      await assert.rejects(mine.client.identities.get(theirs.id), { code: 'not_found' })
      await assert.rejects(mine.client.identities.find('theirs'), { code: 'not_found' })
      await assert.rejects(mine.client.apiKeys.create({ name: 'x', identity_id: theirs.id }), { code: 'not_found' })
    })
  })
}
