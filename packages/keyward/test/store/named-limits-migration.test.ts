import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Migrator, sql } from 'kysely'
import { openStore } from '../../src/store/database.js'
import { KeyRepository } from '../../src/store/key-repository.js'
import { allMigrations } from '../../src/store/migrations/index.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { STORES, freshDatabase } from '../helpers.js'

for (const store of STORES) {
  describe(`migration 0010: rate_limit becomes the limit named "default" (${store})`, () => {
    it('moves every existing limit over, leaves unlimited keys unlimited, and drops the old columns', async () => {
      const db = await freshDatabase(store)
      const st = openStore(db.url)
      try {
        const migrator = new Migrator({ db: st.db, provider: { getMigrations: async () => allMigrations(st.dialect) } })
        assert.equal((await migrator.migrateTo('0007_credential_origin')).error, undefined)
        const now = new Date().toISOString()
        const { id: actor } = await st.db
          .insertInto('actor')
          .values({ kind: 'user', created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
        // The schema of today's main, written in SQL: the typed schema no longer has these columns.
        const insert = (name: string, limit: number | null, window: number | null) =>
          sql`insert into api_key (actor_id, kind, name, hash, key_prefix, scopes, meta, rate_limit,
            rate_limit_window_s, created_at, updated_at)
            values (${actor}, 'user', ${name}, ${name.padEnd(64, 'h')}, 'kw', '[]', '{}', ${limit}, ${window}, ${now}, ${now})`.execute(
            st.db,
          )
        await insert('limited', 100, 60)
        await insert('free', null, null)
        const applied = await migrateToLatest(st.db, st.dialect)
        assert.ok(applied.includes('0010_named_limits'))
        const repo = new KeyRepository(st.db, st.dialect)
        const limited = await repo.findByHash('limited'.padEnd(64, 'h'))
        assert.deepEqual(limited!.key.ratelimits, [{ name: 'default', limit: 100, window_s: 60, auto_apply: true }])
        assert.equal(limited!.identity, null)
        const free = await repo.findByHash('free'.padEnd(64, 'h'))
        assert.deepEqual(free!.key.ratelimits, [])
        await assert.rejects(sql`select rate_limit from api_key`.execute(st.db), 'the old column is gone')
      } finally {
        await st.close()
        await db.drop()
      }
    })
  })
}
