import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Migrator, sql } from 'kysely'
import { openStore } from '../../src/store/database.js'
import { allMigrations } from '../../src/store/migrations/index.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { STORES, freshDatabase } from '../helpers.js'

for (const store of STORES) {
  describe(`migration 0020: webhooks made before it get the configurer the audit trail names (${store})`, () => {
    it('takes the user of the last create, update or rotation; leaves one with none unchecked', async () => {
      const db = await freshDatabase(store)
      const st = openStore(db.url)
      try {
        const migrator = new Migrator({ db: st.db, provider: { getMigrations: async () => allMigrations(st.dialect) } })
        assert.equal((await migrator.migrateTo('0019_key_status_announcement')).error, undefined)
        const now = new Date().toISOString()
        // The schema before 0020, in SQL: users, webhooks, and the audit entries the service wrote.
        const user = async (name: string) => {
          const { id: actor } = await st.db
            .insertInto('actor')
            .values({ kind: 'user', created_at: now })
            .returning('id')
            .executeTakeFirstOrThrow()
          await sql`insert into "user" (actor_id, email, username, password_hash, role, created_at)
            values (${actor}, ${`${name}@example.com`}, ${name}, '', 'member', ${now})`.execute(st.db)
          const { id } = await st.db
            .selectFrom('user')
            .select('id')
            .where('username', '=', name)
            .executeTakeFirstOrThrow()
          return { id, actor }
        }
        const [bob, admin, later] = [await user('bob'), await user('admin'), await user('later')]
        const hook = async (owner: number) => {
          await sql`insert into webhook (user_id, url, events, description, secret, created_at, updated_at)
            values (${owner}, 'https://example.com/h', '["key.created"]', null, 'sealed', ${now}, ${now})`.execute(
            st.db,
          )
          return (await sql<{ id: number }>`select max(id) as id from webhook`.execute(st.db)).rows[0]!.id
        }
        const audit = (by: number, action: string, target: number, ownerActor: number) =>
          sql`insert into audit_event (at, actor_id, action, target_type, target_id, owner_actor_id, details)
            values (${now}, ${by}, ${action}, 'webhook', ${String(target)}, ${ownerActor}, '{}')`.execute(st.db)
        const configured = await hook(bob.id)
        await audit(admin.actor, 'webhook.create', configured, bob.actor)
        await audit(later.actor, 'webhook.rotate_secret', configured, bob.actor)
        await audit(admin.actor, 'webhook.test', configured, bob.actor) // not a configuration
        const unknown = await hook(bob.id)
        assert.ok((await migrateToLatest(st.db, st.dialect)).includes('0020_webhook_configured_by'))
        const rows = await st.db
          .selectFrom('webhook')
          .select(['id', 'configured_by_user_id', 'configured_by_key_id'])
          .orderBy('id')
          .execute()
        assert.deepEqual(rows, [
          { id: configured, configured_by_user_id: later.id, configured_by_key_id: null },
          { id: unknown, configured_by_user_id: null, configured_by_key_id: null },
        ])
      } finally {
        await st.close()
        await db.drop()
      }
    })
  })
}
