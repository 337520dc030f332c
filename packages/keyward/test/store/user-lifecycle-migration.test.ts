import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Migrator } from 'kysely'
import { hashSecret } from '../../src/core/key-format.js'
import { PasswordHasher } from '../../src/services/auth/passwords.js'
import { openStore } from '../../src/store/database.js'
import { allMigrations } from '../../src/store/migrations/index.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { STORES, TestServer, freshDatabase } from '../helpers.js'

for (const store of STORES) {
  describe(`migration 0012 on a database filled before it (${store})`, () => {
    it('keeps users, sessions and keys working: users active, sessions listed, login as before', async () => {
      const db = await freshDatabase(store)
      const st = openStore(db.url)
      const now = new Date().toISOString()
      const later = new Date(Date.now() + 3600_000).toISOString()
      const token = 'kwsess_legacySessionTokenOfBefore0012'
      try {
        const migrator = new Migrator({ db: st.db, provider: { getMigrations: async () => allMigrations(st.dialect) } })
        assert.equal((await migrator.migrateTo('0007_credential_origin')).error, undefined)
        const actor = await st.db
          .insertInto('actor')
          .values({ kind: 'user', created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
        const user = await st.db
          .insertInto('user')
          .values({
            actor_id: actor.id,
            email: 'old@example.com',
            username: 'old',
            password_hash: await new PasswordHasher(1024).hash('old-password-1'),
            role: 'admin',
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        await st.db
          .insertInto('session')
          .values({ token_hash: hashSecret(token), user_id: user.id, created_at: now, expires_at: later, ip: null })
          .execute()
        assert.ok((await migrateToLatest(st.db, st.dialect)).includes('0012_user_lifecycle'))
      } finally {
        await st.close()
      }
      const s = await TestServer.attach(db.url)
      try {
        const me = await s.request('GET', '/v1/auth/whoami', { token })
        assert.equal(me.status, 200, me.text)
        assert.equal(me.body.user.deactivated_at, null)
        const sessions = (await s.request('GET', '/v1/auth/sessions', { token })).body.sessions
        assert.equal(sessions.length, 1)
        assert.equal(sessions[0].current, true)
        assert.equal(sessions[0].user_agent, null)
        await s.login('old@example.com', 'old-password-1')
      } finally {
        await s.close()
        await db.drop()
      }
    })
  })
}
