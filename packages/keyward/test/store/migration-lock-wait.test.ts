import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { Migrator } from 'kysely'
import pg from 'pg'
import { openStore } from '../../src/store/database.js'
import { allMigrations } from '../../src/store/migrations/index.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { freshDatabase } from '../helpers.js'

const BEFORE_LAST = '0024_leak_report'
const LAST = '0025_identity_credits_epoch' // the next: it ALTERs `identity`, which verifications read

/**
 * A migration's DDL waits for its table's lock behind whatever transaction holds it, and every
 * query on that table queues behind the waiting DDL: a long transaction on `identity` during an
 * upgrade used to stop every verification of an identity's key on every node for as long as it
 * ran. The DDL now gives up after a short wait, lets the queue drain, and tries again.
 */
describe('migrations on PostgreSQL do not queue live traffic behind a blocked table lock', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  let url: string
  before(async () => {
    db = await freshDatabase('postgres')
    url = db.url
    const st = openStore(url)
    const migrator = new Migrator({ db: st.db, provider: { getMigrations: async () => allMigrations(st.dialect) } })
    assert.equal((await migrator.migrateTo(BEFORE_LAST)).error, undefined)
    await st.close()
  })
  after(() => db.drop())

  it('reads of the table go on while the migration waits, and the migration lands after the blocker ends', async () => {
    const blocker = await client(url)
    await blocker.query('begin')
    await blocker.query('select count(*) from identity') // holds ACCESS SHARE on `identity` until commit
    const st = openStore(url)
    const reader = await client(url)
    try {
      const migrating = migrateToLatest(st.db, st.dialect, { lockWaitMs: 200 })
      await sleep(100) // the ALTER is waiting for its lock now
      const read = reader.query('select count(*) from identity').then(() => 'read')
      const first = await Promise.race([read, sleep(1000).then(() => 'still waiting')])
      await blocker.query('commit')
      await read
      assert.equal(first, 'read', 'BROKEN: a read of identity queued behind the migration for over 1 s')
      assert.equal((await migrating)[0], LAST, 'the migration lands once the lock is free')
      const cols = await reader.query("select 1 from information_schema.columns where column_name = 'credits_epoch'")
      assert.equal(cols.rowCount, 1)
    } finally {
      await blocker.end()
      await reader.end()
      await st.close()
    }
  })

  it('two nodes starting together: one migrates, the other waits for it, and neither fails', async () => {
    const fresh = await freshDatabase('postgres')
    const [a, b] = [openStore(fresh.url), openStore(fresh.url)]
    try {
      const both = await Promise.all([
        migrateToLatest(a.db, a.dialect, { lockWaitMs: 50 }),
        migrateToLatest(b.db, b.dialect, { lockWaitMs: 50 }),
      ])
      const migrations = (names: string[]) => names.filter((n) => !n.startsWith('index '))
      const applied = both.map((names) => migrations(names).length).sort((x, y) => x - y)
      assert.deepEqual(applied, [0, Object.keys(allMigrations('postgres')).length])
    } finally {
      await a.close()
      await b.close()
      await fresh.drop()
    }
  })
})

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  return c
}
