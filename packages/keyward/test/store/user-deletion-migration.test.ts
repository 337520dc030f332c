import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Migrator, sql } from 'kysely'
import { openStore } from '../../src/store/database.js'
import { allMigrations } from '../../src/store/migrations/index.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { UserLifecycleRepository } from '../../src/store/user-lifecycle-repository.js'
import { STORES, freshDatabase } from '../helpers.js'

for (const store of STORES) {
  describe(`migration 0016: finished user deletions are marked, unfinished ones left to the sweeper (${store})`, () => {
    it('marks a tombstone without live keys, leaves one holding a live key and every live user unmarked', async () => {
      const db = await freshDatabase(store)
      const st = openStore(db.url)
      try {
        const migrator = new Migrator({ db: st.db, provider: { getMigrations: async () => allMigrations(st.dialect) } })
        assert.equal((await migrator.migrateTo('0015_invitation_origin')).error, undefined)
        const now = new Date().toISOString()
        // The schema of today's main, in SQL: a user and, when `key` says so, one key in that state.
        const user = async (name: string, deleted: boolean, key: 'live' | 'revoked' | null) => {
          const { id: actor } = await st.db
            .insertInto('actor')
            .values({ kind: 'user', created_at: now })
            .returning('id')
            .executeTakeFirstOrThrow()
          const gone = deleted ? now : null
          await sql`insert into "user" (actor_id, email, username, password_hash, role, created_at, deactivated_at, deleted_at)
            values (${actor}, ${`${name}@example.com`}, ${name}, '', 'member', ${now}, ${gone}, ${gone})`.execute(st.db)
          if (key)
            await sql`insert into api_key (actor_id, kind, name, hash, key_prefix, scopes, meta, created_at, updated_at, revoked_at)
              values (${actor}, 'user', ${name}, ${name.padEnd(64, 'h')}, 'kw', '[]', '{}', ${now}, ${now},
                ${key === 'revoked' ? now : null})`.execute(st.db)
          return (await st.db.selectFrom('user').select('id').where('username', '=', name).executeTakeFirstOrThrow()).id
        }
        const finished = await user('finished', true, 'revoked')
        const unfinished = await user('unfinished', true, 'live')
        const live = await user('live', false, 'live')
        const applied = await migrateToLatest(st.db, st.dialect)
        assert.ok(applied.includes('0016_user_deletion_done'))
        const marks = Object.fromEntries(
          (await st.db.selectFrom('user').select(['id', 'keys_ended_at']).execute()).map((r) => [
            r.id,
            r.keys_ended_at,
          ]),
        )
        assert.equal(marks[finished], now)
        assert.equal(marks[unfinished], null)
        assert.equal(marks[live], null)
        const repo = new UserLifecycleRepository(st.db, st.dialect)
        assert.deepEqual(
          (await repo.unfinishedDeletions({ limit: 10 })).map((u) => u.id),
          [unfinished],
          'only the interrupted deletion is left for the sweeper',
        )
      } finally {
        await st.close()
        await db.drop()
      }
    })
  })
}
