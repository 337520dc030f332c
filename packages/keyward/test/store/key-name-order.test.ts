import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Store } from '../../src/store/database.js'
import { type KeySort, type KeysetPosition, KeyRepository } from '../../src/store/key-repository.js'
import { STORES } from '../helpers.js'
import { userViewer } from '../balena/odata-repo.js'
import { bulkInsertKeys, withBulkStore } from '../scale/bulk-keys.js'
import { analyze, orderedStatements, planOf } from './query-plans.js'

/**
 * `sort=name` pages through 20,000 keys as a range of `api_key_name_order_idx` (migration 0040) on both stores:
 * the order both share (ASCII letters folded) is the indexed expression, so no page sorts the keys it reads.
 */
for (const store of STORES) {
  describe(`a page of keys by name walks the name-order index (${store})`, () => {
    /** The page's statements that order, each with its plan, as a line of steps. */
    const pagePlans = async (st: Store, sort: KeySort, after?: KeysetPosition) => {
      const { spy, ordered } = orderedStatements(st.db)
      const page = await new KeyRepository(spy, st.dialect).list(
        userViewer('admin', 0, 0),
        { limit: 100, sort, after },
        new Date().toISOString(),
      )
      const plans = await Promise.all(
        ordered.map(async (q) => (await planOf(st.db, st.dialect, q)).map((s) => s.detail)),
      )
      return { page, plans: plans.map((p) => p.join(' | ')) }
    }

    it('for the first page and one after a cursor, in both orders, on 20,000 keys', async () => {
      await withBulkStore(store, async (st, actorId) => {
        await bulkInsertKeys(st, actorId, 10_000, 'Upper')
        await bulkInsertKeys(st, actorId, 10_000, 'lower')
        await analyze(st.db)
        for (const order of ['asc', 'desc'] as const) {
          const first = await pagePlans(st, { field: 'name', order })
          assert.equal(first.page.keys.length, 100)
          const last = first.page.keys.at(-1)!
          const next = await pagePlans(st, { field: 'name', order }, { value: last.name, id: last.id })
          for (const plan of [...first.plans, ...next.plans]) {
            assert.match(plan, /api_key_name_order_idx/, `${order}: ${plan}`)
            assert.doesNotMatch(plan, /TEMP B-TREE FOR ORDER BY|\bSort\b/, `${order}: ${plan}`)
          }
          // Folded, 'bulk-lower-…' and 'bulk-Upper-…' are 'bulk-lower…' < 'bulk-upper…': lower first going up.
          assert.match(first.page.keys[0]!.name!, order === 'asc' ? /^bulk-lower-/ : /^bulk-Upper-/)
        }
      })
    })
  })
}
