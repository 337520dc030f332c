import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Migrator, sql } from 'kysely'
import { openStore } from '../../src/store/database.js'
import { allMigrations } from '../../src/store/migrations/index.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { STORES, freshDatabase } from '../helpers.js'

for (const store of STORES) {
  describe(`migration 0018: usage claims and 64-bit daily counters (${store})`, () => {
    it('keeps every counter, then holds counts past 2³¹−1; down restores the schema before it', async () => {
      const db = await freshDatabase(store)
      const st = openStore(db.url)
      const now = new Date().toISOString()
      try {
        const migrator = new Migrator({ db: st.db, provider: { getMigrations: async () => allMigrations(st.dialect) } })
        assert.equal((await migrator.migrateTo('0017_organization_deleting')).error, undefined)
        const { id: actor } = await st.db
          .insertInto('actor')
          .values({ kind: 'user', created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
        // The schema before 0018, in SQL.
        await sql`insert into api_key (actor_id, kind, name, hash, key_prefix, scopes, meta, created_at, updated_at)
          values (${actor}, 'user', 'k', ${'k'.padEnd(64, 'h')}, 'kw', '[]', '{}', ${now}, ${now})`.execute(st.db)
        const { id } = await st.db.selectFrom('api_key').select('id').executeTakeFirstOrThrow()
        await sql`insert into key_usage (key_id, day, code, count) values (${id}, '2026-01-01', 'VALID', 2147483647),
          (${id}, '2026-01-02', 'EXPIRED', 3)`.execute(st.db)
        assert.ok((await migrateToLatest(st.db, st.dialect)).includes('0018_usage_claims'))
        const counts = () => st.db.selectFrom('key_usage').select(['day', 'count']).orderBy('day').execute()
        assert.deepEqual(
          (await counts()).map((r) => [r.day, Number(r.count)]),
          [
            ['2026-01-01', 2147483647],
            ['2026-01-02', 3],
          ],
        )
        await sql`update key_usage set count = count + 10 where day = '2026-01-01'`.execute(st.db)
        assert.equal(Number((await counts())[0]!.count), 2 ** 31 + 9)
        await st.db.insertInto('usage_claim').values({ token: 't', written_at: now }).execute()
        await sql`update key_usage set count = 1 where day = '2026-01-01'`.execute(st.db)
        // Down to the schema before 0018 (the migrations after it first).
        assert.equal((await migrator.migrateTo('0017_organization_deleting')).error, undefined)
        await assert.rejects(sql`select 1 from usage_claim`.execute(st.db))
        assert.deepEqual(
          (await counts()).map((r) => Number(r.count)),
          [1, 3],
        )
      } finally {
        await st.close()
        await db.drop()
      }
    })
  })
}
