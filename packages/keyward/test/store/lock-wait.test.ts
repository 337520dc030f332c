import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Migrator } from 'kysely'
import pg from 'pg'
import { openStore } from '../../src/store/database.js'
import { allMigrations } from '../../src/store/migrations/index.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { freshDatabase, serverForSuite } from '../helpers.js'

const BUDGET_MS = 1_000

/**
 * A write that waits on a row another transaction holds is told to retry (503 `unavailable`,
 * Retry-After), not that its query was too expensive (400: "narrow the filter"): the request
 * is right, the row is busy. PostgreSQL only: SQLite serialises writers behind its busy timeout.
 */
describe('a write waiting on a locked row (postgres)', { skip: !process.env.KEYWARD_TEST_DATABASE_URL }, () => {
  const t = serverForSuite('postgres', { env: { KEYWARD_STATEMENT_TIMEOUT_MS: String(BUDGET_MS) } })
  let holder: pg.Client
  before(async () => {
    holder = new pg.Client({ connectionString: t.s.config.databaseUrl })
    holder.on('error', () => {}) // the suite's database is dropped under it at the end
    await holder.connect()
  })
  after(() => holder.end())

  it('answers 503 unavailable with Retry-After within the budget, and the write succeeds once the row is free', async () => {
    const { id } = await t.s.createKey(t.admin, { name: 'busy' })
    await holder.query('begin')
    await holder.query('select id from api_key where id = $1 for update', [id])
    const t0 = Date.now()
    const r = await t.s.request('PATCH', `/v1/keys/${id}`, { token: t.admin, body: { name: 'renamed' } })
    const waited = Date.now() - t0
    await holder.query('rollback')
    assert.equal(r.status, 503, r.text)
    assert.equal(r.body.error.code, 'unavailable')
    assert.match(r.body.error.message, /another change holds what this request needs/, 'not "the database is down"')
    assert.ok(r.headers['retry-after'], 'Retry-After is set')
    assert.ok(waited < BUDGET_MS + 1_000, `answered after ${waited} ms`)
    const again = await t.s.request('PATCH', `/v1/keys/${id}`, { token: t.admin, body: { name: 'renamed' } })
    assert.equal(again.status, 200, again.text)
    assert.equal(again.body.name, 'renamed')
  })
})

/**
 * A rolling upgrade: the new node's migration alters a table a running node is reading. The DDL
 * waits for that read as long as it runs: the requests' `lock_timeout` must not reach the
 * migration's connection (a half-applied upgrade would stop the node from starting).
 */
describe(
  'a migration waiting on a running node’s read (postgres)',
  { skip: !process.env.KEYWARD_TEST_DATABASE_URL },
  () => {
    it('waits past the statement budget for the table, then migrates', async () => {
      const db = await freshDatabase('postgres')
      const store = openStore(db.url, { readBudgetMs: BUDGET_MS, readPoolSize: 1, statementTimeoutMs: BUDGET_MS })
      const reader = new pg.Client({ connectionString: db.url })
      await reader.connect()
      try {
        const migrator = new Migrator({
          db: store.db,
          provider: { getMigrations: async () => allMigrations('postgres') },
        })
        assert.equal((await migrator.migrateTo('0019_key_status_announcement')).error, undefined)
        await reader.query('begin')
        await reader.query('lock table webhook in access share mode')
        const released = new Promise((r) => setTimeout(r, 2 * BUDGET_MS)).then(() => reader.query('commit'))
        const t0 = Date.now()
        const applied = await migrateToLatest(store.db, store.dialect)
        await released
        assert.ok(Date.now() - t0 >= 2 * BUDGET_MS - 100, 'the migration waited for the read')
        assert.ok(applied.includes('0020_webhook_configured_by'), applied.join())
      } finally {
        await reader.end()
        await store.close()
        await db.drop()
      }
    })
  },
)
