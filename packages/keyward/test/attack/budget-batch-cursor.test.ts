import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type KyselyPlugin, sql } from 'kysely'
import { KeywardError } from '../../src/core/errors.js'
import { ROWS_PER_READ, batchedRows } from '../../src/store/batched-rows.js'
import { type Store, openStore } from '../../src/store/database.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { freshDatabase } from '../helpers.js'

const BUDGET_MS = 1_000

/** A plugin that holds the event loop for `ms` after each result reaches the process (a busy loop: other requests' work). */
function busyAfterEachRead(ms: number, reads: number[]): KyselyPlugin {
  return {
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      reads.push(Date.now())
      const end = Date.now() + ms
      while (Date.now() < end) {
        // holding the loop, as other requests would
      }
      return args.result
    },
  }
}

describe('cursor reads and the statement budget (postgres)', { skip: !process.env.KEYWARD_TEST_DATABASE_URL }, () => {
  let store: Store
  let drop: () => Promise<void>
  before(async () => {
    const db = await freshDatabase('postgres')
    drop = db.drop
    store = openStore(db.url, { readBudgetMs: BUDGET_MS, readPoolSize: 2, statementTimeoutMs: BUDGET_MS })
    await migrateToLatest(store.db, store.dialect)
    const at = new Date().toISOString()
    await store.db
      .insertInto('actor')
      .values(Array.from({ length: 5 * ROWS_PER_READ }, () => ({ kind: 'user' as const, created_at: at })))
      .execute()
  })
  after(async () => {
    await store?.close()
    await drop?.()
  })

  it('a cursor whose process is busy between reads still stops within one budget of server work', async () => {
    const ids = await store.readDb.selectFrom('actor').select('id').orderBy('id').execute()
    // One row per batch sleeps 0.7 budgets: 3.5 budgets of server work in all.
    const slow = [0, 1, 2, 3, 4].map((b) => ids[b * ROWS_PER_READ + 10]!.id)
    const reads: number[] = []
    const q = store.readDb
      .withPlugin(busyAfterEachRead(0.4 * BUDGET_MS, reads))
      .selectFrom('actor')
      .select([
        'id',
        sql<null>`case when id in (${sql.join(slow)}) then pg_sleep(${(0.7 * BUDGET_MS) / 1000}) end`.as('z'),
      ])
      .orderBy('id')
    const t0 = Date.now()
    const outcome = await batchedRows(q, store.dialect, 100_000).then(
      (rows) => `returned ${rows.length} rows`,
      (e: unknown) => (e instanceof KeywardError ? e.code : String(e)),
    )
    const took = Date.now() - t0
    assert.equal(
      outcome,
      'query_too_expensive',
      `${outcome} after ${took} ms (${reads.length} reads, ~${(5 * 0.7 * BUDGET_MS).toFixed(0)} ms of pg_sleep under a ${BUDGET_MS} ms budget)`,
    )
  })
})
