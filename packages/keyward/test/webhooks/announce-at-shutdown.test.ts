import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { STORES, TestServer } from '../helpers.js'
import { importKeys } from '../perf/bulk-store.js'
import { until } from './receiver.js'

/**
 * A node shutting down while it announces a deactivation chunk by chunk must not run a chunk on
 * a closed store (an error at every deploy): it stops after the chunk in flight, the rest stays
 * owed, and the next node's sweeper sends it — each key's `key.disabled` once.
 */
for (const store of STORES) {
  describe(`an announcement in flight at shutdown (${store})`, () => {
    it('stops between chunks without an error; the next node finishes it, each key once', async () => {
      const s = await TestServer.start(store)
      const errors: unknown[] = []
      s.kw.services.setErrorHandler((e) => errors.push(e))
      const admin = await s.adminToken()
      const u = await s.member('leaving', admin)
      await importKeys(s, u.token, 3000)
      const deactivated = await s.request('POST', `/v1/users/${u.id}/deactivate`, { token: admin })
      assert.equal(deactivated.status, 200)
      const owed = await s.kw.services.store.db
        .selectFrom('user')
        .select('keys_announced_through')
        .where('id', '=', u.id)
        .executeTakeFirstOrThrow()
      assert.notEqual(owed.keys_announced_through, null, 'still announcing when the node closes')
      await s.kw.close()
      assert.deepEqual(errors.map(String), [], 'no chunk ran on a closed store')

      const next = await TestServer.attach(s.config.databaseUrl)
      try {
        const db = next.kw.services.store.db
        const left = async () =>
          (await db.selectFrom('user').select('keys_announced_through').where('id', '=', u.id).executeTakeFirst())
            ?.keys_announced_through
        await until(async () => (await left()) === null, 20_000, 'the next node’s sweeper finished it')
        const perKey = await db
          .selectFrom('key_event')
          .select([sql<number>`count(*)`.as('n')])
          .where('type', '=', 'key.disabled')
          .groupBy('key_id')
          .execute()
        assert.equal(perKey.length, 3000, 'every key announced')
        assert.ok(
          perKey.every((r) => Number(r.n) === 1),
          'each once',
        )
      } finally {
        await next.kw.close()
        await s.drop()
      }
    })
  })
}
