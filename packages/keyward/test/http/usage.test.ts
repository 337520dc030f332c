import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

for (const store of STORES) {
  describe(`usage recording (${store})`, () => {
    it('records last_used_at off the request path and flushes it on shutdown', async () => {
      // A flush interval far longer than the test: only the shutdown flush can write it.
      const s = await TestServer.start(store, { env: { KEYWARD_USAGE_FLUSH_MS: '60000' } })
      const admin = await s.adminToken()
      const k = await s.createKey(admin)
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
      const before = await s.request('GET', `/v1/keys/${k.id}`, { token: admin })
      assert.equal(before.body.last_used_at, null, 'not written on the request path')
      await s.kw.services.usage.flush()
      const after = await s.request('GET', `/v1/keys/${k.id}`, { token: admin })
      assert.ok(after.body.last_used_at, 'written by the batch flush')
      await s.verify(admin, k.key)
      const row = () =>
        s.kw.services.store.db
          .selectFrom('api_key')
          .select('last_used_at')
          .where('id', '=', k.id)
          .executeTakeFirstOrThrow()
      const flushedAt = (await row()).last_used_at
      await s.kw.services.usage.stop()
      assert.ok((await row()).last_used_at! > flushedAt!, 'stop() flushes what is pending')
      await s.close()
    })

    it('never lets remaining go below zero under concurrent verification', async () => {
      const s = await TestServer.start(store)
      const admin = await s.adminToken()
      const k = await s.createKey(admin, { remaining: 20 })
      const results = await Promise.all(Array.from({ length: 60 }, () => s.verify(admin, k.key)))
      assert.equal(results.filter((r) => r.code === 'VALID').length, 20)
      assert.equal(results.filter((r) => r.code === 'USAGE_EXCEEDED').length, 40)
      assert.equal((await s.request('GET', `/v1/keys/${k.id}`, { token: admin })).body.remaining, 0)
      await s.close()
    })
  })
}
