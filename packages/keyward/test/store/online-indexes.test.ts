import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { Migrator } from 'kysely'
import pg from 'pg'
import { openStore } from '../../src/store/database.js'
import { allMigrations } from '../../src/store/migrations/index.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { freshDatabase } from '../helpers.js'

const BEFORE_AUDIT_INDEXES = '0029_audit_action_rename' // the next, 0030, indexes audit_event
const AUDIT_ROWS = 1_000_000

/**
 * An upgrade on PostgreSQL builds the indexes that later migrations add to large tables with
 * `CREATE INDEX CONCURRENTLY`, outside the migrations' transaction. A plain `CREATE INDEX` holds a
 * SHARE lock on its table until the migrations commit: every write to `audit_event` (every
 * create, revoke and sign-in records one) waited on every node for as long as the build ran.
 */
describe('indexes on large tables are built without blocking writes (PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  before(async () => {
    db = await freshDatabase('postgres')
    const st = openStore(db.url)
    try {
      const migrator = new Migrator({ db: st.db, provider: { getMigrations: async () => allMigrations(st.dialect) } })
      assert.equal((await migrator.migrateTo(BEFORE_AUDIT_INDEXES)).error, undefined)
    } finally {
      await st.close()
    }
    const c = await client(db.url)
    await c.query(
      `insert into audit_event (at, actor_id, action, target_type, target_id, owner_actor_id, details)
       select '2026-01-01T00:00:00.000Z', 1, 'key.verify_denied', 'api_key', (g % 50000)::text, 1, '{}'
       from generate_series(1, ${AUDIT_ROWS}) g`,
    )
    await c.end()
  })
  after(() => db.drop())

  it('an audit write during the upgrade lands while the index builds, not after it', async () => {
    const st = openStore(db.url)
    const writer = await client(db.url)
    try {
      const started = performance.now()
      const migrating = migrateToLatest(st.db, st.dialect).then(() => performance.now() - started)
      await waitFor(writer, "query ilike 'create index%audit_event%'")
      const t0 = performance.now()
      await writer.query(
        `insert into audit_event (at, action, target_type, details) values ('2026-01-02T00:00:00.000Z', 'key.create', 'api_key', '{}')`,
      )
      const waited = performance.now() - t0
      const building = await migrating
      assert.ok(building > 4 * 250, `the build took ${building.toFixed(0)} ms: too short to tell a blocked write`)
      assert.ok(waited < 250, `BROKEN: an audit write waited ${waited.toFixed(0)} ms for the index build`)
      assert.deepEqual(await invalidIndexes(writer), [], 'every index is valid after the upgrade')
      const plan = await writer.query(
        "explain select id from audit_event where target_id = '7' and target_type = 'api_key' order by id desc limit 100",
      )
      assert.match(JSON.stringify(plan.rows), /audit_target_idx/, 'the index is there and used')
    } finally {
      await writer.end()
      await st.close()
    }
  })

  it('an index a stopped build left invalid is built again on the next start', async () => {
    const st = openStore(db.url)
    const c = await client(db.url)
    const builder = await client(db.url)
    try {
      await c.query('drop index audit_action_idx')
      const blocker = await client(db.url)
      await blocker.query('begin isolation level repeatable read')
      await blocker.query('select 1 from audit_event limit 1') // a snapshot the build must outwait
      const build = builder
        .query('create index concurrently audit_action_idx on audit_event (action, id)')
        .catch((e) => e)
      // Cancelled once its entry is in the catalog and it waits for the blocker's snapshot: a wait for
      // the table's lock comes before the entry (autovacuum holds that lock after the bulk insert).
      await waitFor(
        c,
        `query ilike 'create index concurrently audit_action_idx%' and wait_event = 'virtualxid'
         and exists (select 1 from pg_class where relname = 'audit_action_idx')`,
      )
      await c.query(
        "select pg_cancel_backend(pid) from pg_stat_activity where query ilike 'create index concurrently%'",
      )
      assert.equal(((await build) as { code?: string }).code, '57014', 'the build was cancelled')
      await blocker.query('rollback')
      await blocker.end()
      assert.deepEqual(await invalidIndexes(c), ['audit_action_idx'], 'the cancelled build left an invalid index')
      await migrateToLatest(st.db, st.dialect)
      assert.deepEqual(await invalidIndexes(c), [], 'the next start rebuilt it')
      const found = await c.query("select 1 from pg_indexes where indexname = 'audit_action_idx'")
      assert.equal(found.rowCount, 1)
    } finally {
      await builder.end()
      await c.end()
      await st.close()
    }
  })

  it('a node starting while another builds an index waits for it instead of deadlocking', async () => {
    const c = await client(db.url)
    await c.query('drop index if exists audit_action_idx')
    const blocker = await client(db.url)
    await blocker.query('begin isolation level repeatable read')
    await blocker.query('select 1 from audit_event limit 1') // holds the first node's build for a while
    const [a, b] = [openStore(db.url), openStore(db.url)]
    try {
      const first = migrateToLatest(a.db, a.dialect)
      await waitFor(c, "query ilike 'create index concurrently %audit_action_idx%'")
      const second = migrateToLatest(b.db, b.dialect)
      await sleep(1_500) // past deadlock_timeout (1 s): a cycle would have been found and broken by now
      await blocker.query('rollback')
      const results = await Promise.allSettled([first, second])
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled'],
        `BROKEN: ${results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join(' / ')}`,
      )
      assert.deepEqual(await invalidIndexes(c), [])
    } finally {
      await blocker.end()
      await c.end()
      await a.close()
      await b.close()
    }
  })
})

describe('a plain index build on a small table waits for its lock as briefly as a migration (PostgreSQL)', () => {
  it('writes to the table are not queued behind a build that waits for a long transaction', async () => {
    const db = await freshDatabase('postgres')
    const st = openStore(db.url)
    const [blocker, writer] = [await client(db.url), await client(db.url)]
    try {
      await migrateToLatest(st.db, st.dialect)
      await blocker.query('drop index user_password_set_by_key_idx') // as a build stopped midway leaves it
      const insertUser = (c: pg.Client, n: number) =>
        c.query(
          `with a as (insert into actor (kind, created_at) values ('user', '2026-01-01') returning id)
           insert into "user" (actor_id, email, username, password_hash, role, created_at)
           select id, 'u${n}@example.com', 'u${n}', '', 'member', '2026-01-01' from a`,
        )
      await blocker.query('begin')
      await insertUser(blocker, 1) // a transaction writing to "user" for 3 s: the build's SHARE lock waits for it
      const migrating = migrateToLatest(st.db, st.dialect, { lockWaitMs: 200 })
      await waitFor(writer, "query ilike 'create index%user_password_set_by_key_idx%' and wait_event_type = 'Lock'")
      const t0 = performance.now()
      await insertUser(writer, 2)
      const waited = performance.now() - t0
      await sleep(2_500)
      await blocker.query('commit')
      assert.deepEqual(await migrating, ['index user_password_set_by_key_idx'], 'built once the lock was free')
      assert.ok(waited < 1_500, `BROKEN: a write to "user" waited ${waited.toFixed(0)} ms behind the build`)
    } finally {
      await blocker.end()
      await writer.end()
      await st.close()
      await db.drop()
    }
  })
})

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  return c
}

/** Polls pg_stat_activity until a backend of this database matches `where` (5 s at most). */
async function waitFor(c: pg.Client, where: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const r = await c.query(`select 1 from pg_stat_activity where datname = current_database() and ${where}`)
    if (r.rowCount) return
    await sleep(10)
  }
  throw new Error(`no backend matched: ${where}`)
}

async function invalidIndexes(c: pg.Client): Promise<string[]> {
  const r = await c.query(
    'select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid where not i.indisvalid order by 1',
  )
  return r.rows.map((x: { relname: string }) => x.relname)
}
