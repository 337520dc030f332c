import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Migrator, sql } from 'kysely'
import { manualClock } from '../../src/core/clock.js'
import { openStore } from '../../src/store/database.js'
import { allMigrations } from '../../src/store/migrations/index.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { STORES, TestServer, freshDatabase } from '../helpers.js'

for (const store of STORES) {
  describe(`migration 0014: the usage budget of keys made before it (${store})`, () => {
    it('leaves their budget unknown (null), so only keys with a refill can be low, as before', async () => {
      const db = await freshDatabase(store)
      const st = openStore(db.url)
      const now = new Date().toISOString()
      try {
        const migrator = new Migrator({ db: st.db, provider: { getMigrations: async () => allMigrations(st.dialect) } })
        assert.equal((await migrator.migrateTo('0013_key_lineage')).error, undefined)
        const { id: actor } = await st.db
          .insertInto('actor')
          .values({ kind: 'user', created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
        // The schema of today's main, written in SQL: the typed schema has the new columns.
        const insert = (name: string, remaining: number, refill: number | null) =>
          sql`insert into api_key (actor_id, kind, name, hash, key_prefix, scopes, meta, remaining, refill_amount,
            refill_interval_s, last_refill_at, created_at, updated_at)
            values (${actor}, 'user', ${name}, ${name.padEnd(64, 'h')}, 'kw', '[]', '{}', ${remaining}, ${refill},
            ${refill && 31_536_000}, ${refill && now}, ${now}, ${now})`.execute(st.db)
        await insert('spent', 1, null)
        await insert('refilled', 1, 20)
        assert.ok((await migrateToLatest(st.db, st.dialect)).includes('0014_usage_budget'))
        const rows = await st.db.selectFrom('api_key').select(['name', 'usage_budget', 'usage_budget_at']).execute()
        assert.deepEqual(
          rows.map((r) => [r.name, r.usage_budget, r.usage_budget_at]),
          [
            ['spent', null, null],
            ['refilled', null, null],
          ],
        )
      } finally {
        await st.close()
      }
      const s = await TestServer.attach(db.url, { clock: manualClock(new Date()) })
      try {
        await s.kw.services.keyEventSweeper.runOnce()
        const events = await s.kw.services.store.db
          .selectFrom('key_event as e')
          .innerJoin('api_key as k', 'k.id', 'e.key_id')
          .select(['k.name', 'e.type'])
          .execute()
        assert.deepEqual(events, [{ name: 'refilled', type: 'key.usage_low' }])
      } finally {
        await s.close()
        await db.drop()
      }
    })
  })
}
