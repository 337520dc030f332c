import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { KeywardError } from '../../src/core/errors.js'
import { ROWS_PER_READ, batchedRows } from '../../src/store/batched-rows.js'
import { type Store, openStore } from '../../src/store/database.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { STORES, freshDatabase } from '../helpers.js'
import { rowCounter } from './query-plans.js'

const BUDGET_MS = 1_000
/** A statement that runs for minutes on either store unless something stops it. */
const endless = (s: Store) =>
  s.dialect === 'postgres'
    ? sql`select pg_sleep(600)`
    : sql`with recursive c(i) as (select 1 union all select i + 1 from c where i < 10000000000) select count(*) from c`

async function rejectsWith(p: Promise<unknown>, code: string): Promise<KeywardError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  assert.ok(e instanceof KeywardError, `expected a KeywardError, got ${String(e)}`)
  assert.equal(e.code, code)
  return e
}

for (const kind of STORES) {
  describe(`read pool and query budgets (${kind})`, () => {
    let store: Store
    let drop: () => Promise<void>
    before(async () => {
      const db = await freshDatabase(kind)
      drop = db.drop
      store = openStore(db.url, { readBudgetMs: BUDGET_MS, readPoolSize: 2, statementTimeoutMs: BUDGET_MS })
      await migrateToLatest(store.db, store.dialect)
    })
    after(async () => {
      await store?.close()
      await drop?.()
    })

    it('stops a read that outruns its budget with query_too_expensive, then serves the next read', async () => {
      const t0 = Date.now()
      const e = await rejectsWith(endless(store).execute(store.readDb), 'query_too_expensive')
      assert.ok(Date.now() - t0 < BUDGET_MS + 1_000, `stopped after ${Date.now() - t0} ms`)
      assert.match(e.message, /1000 ms budget/)
      const r = await sql<{ n: number }>`select 1 + 1 as n`.execute(store.readDb)
      assert.equal(Number(r.rows[0]!.n), 2)
    })

    it('sees every committed write, and returns large results whole and in order', async () => {
      const at = new Date().toISOString()
      await store.db
        .insertInto('actor')
        .values(Array.from({ length: 1_234 }, () => ({ kind: 'user' as const, created_at: at })))
        .execute()
      const rows = await store.readDb.selectFrom('actor').select('id').orderBy('id').execute()
      assert.equal(rows.length, 1_234)
      assert.deepEqual(
        rows.map((r) => r.id),
        [...rows.map((r) => r.id)].sort((a, b) => a - b),
      )
    })

    it('reads a result larger than one batch whole and in order, on PostgreSQL a batch per cursor read', async () => {
      const all = await store.readDb.selectFrom('actor').select('id').orderBy('id').execute()
      assert.ok(all.length > 2 * ROWS_PER_READ, `only ${all.length} actors`)
      // Rows per result the process received: on PostgreSQL, one result per cursor read.
      const received: number[] = []
      const q = store.readDb.withPlugin(rowCounter(received)).selectFrom('actor').select('id').orderBy('id')
      assert.deepEqual(await batchedRows(q, store.dialect, 100_000), all)
      if (kind === 'postgres') {
        assert.equal(received.length, Math.ceil(all.length / ROWS_PER_READ), `reads: ${received.join(', ')}`)
        assert.ok(Math.max(...received) <= ROWS_PER_READ, `reads: ${received.join(', ')}`)
      } else assert.deepEqual(received, [all.length])
      received.length = 0
      assert.deepEqual(await batchedRows(q.limit(3), store.dialect, 3), all.slice(0, 3))
      assert.deepEqual(received, [3])
    })

    it(
      'stops a batched read that outruns its budget in a later batch with query_too_expensive',
      { skip: kind === 'sqlite' && 'SQLite reads are not batched here (the read pool hands rows over in batches)' },
      async () => {
        const ids = await store.readDb.selectFrom('actor').select('id').orderBy('id').execute()
        // Only the row after the first batch sleeps: the cursor's second read is the one stopped.
        const slow = ids[ROWS_PER_READ + 100]!.id
        const q = store.readDb
          .selectFrom('actor')
          .select(['id', sql<null>`case when id = ${slow} then pg_sleep(5) end`.as('z')])
          .orderBy('id')
        const t0 = Date.now()
        await rejectsWith(batchedRows(q, store.dialect, 100_000), 'query_too_expensive')
        assert.ok(Date.now() - t0 < BUDGET_MS + 1_000, `stopped after ${Date.now() - t0} ms`)
        const r = await sql<{ n: number }>`select 1 + 1 as n`.execute(store.readDb)
        assert.equal(Number(r.rows[0]!.n), 2)
      },
    )

    it(
      'holds the reads of one batched read to one budget together, not a budget per read',
      { skip: kind === 'sqlite' && 'SQLite reads are not batched here (the read pool hands rows over in batches)' },
      async () => {
        const ids = await store.readDb.selectFrom('actor').select('id').orderBy('id').execute()
        // One row of each batch sleeps 0.6 budgets: each read alone would stay within a budget.
        const slow = [0, 1, 2].map((b) => ids[b * ROWS_PER_READ + 10]!.id)
        const q = store.readDb
          .selectFrom('actor')
          .select([
            'id',
            sql<null>`case when id in (${sql.join(slow)}) then pg_sleep(${(0.6 * BUDGET_MS) / 1000}) end`.as('z'),
          ])
          .orderBy('id')
        const t0 = Date.now()
        await rejectsWith(batchedRows(q, store.dialect, 100_000), 'query_too_expensive')
        assert.ok(Date.now() - t0 < BUDGET_MS + 500, `stopped after ${Date.now() - t0} ms`)
      },
    )

    it('refuses writes on the read side', async () => {
      await assert.rejects(store.readDb.insertInto('actor').values({ kind: 'user', created_at: 'x' }).execute())
    })

    it(
      'also bounds statements on the main connection of PostgreSQL (statement_timeout)',
      {
        skip:
          kind === 'sqlite' && 'SQLite runs main-connection statements synchronously; only the read pool can stop one',
      },
      async () => {
        await rejectsWith(endless(store).execute(store.db), 'query_too_expensive')
      },
    )
  })
}

describe('read pool shutdown (sqlite)', () => {
  it('close() fails running and queued reads and leaves no reader process behind', async () => {
    const db = await freshDatabase('sqlite')
    const store = openStore(db.url, { readBudgetMs: 5_000, readPoolSize: 1, statementTimeoutMs: 5_000 })
    await migrateToLatest(store.db, store.dialect)
    const running = rejectsWith(endless(store).execute(store.readDb), 'unavailable')
    const queued = rejectsWith(sql`select 1`.execute(store.readDb), 'unavailable')
    await new Promise((r) => setTimeout(r, 500))
    const t0 = Date.now()
    await store.close()
    assert.ok(Date.now() - t0 < 1_000, `close took ${Date.now() - t0} ms`)
    await running
    await queued
    // The test process exiting at all is the final check: a live reader would keep it running.
  })
})
