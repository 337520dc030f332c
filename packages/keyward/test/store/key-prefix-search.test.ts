import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { CompiledQuery, sql } from 'kysely'
import { keyPrefixStartsWith } from '../../src/store/key-search.js'
import type { Store } from '../../src/store/database.js'
import { KeyRepository } from '../../src/store/key-repository.js'
import { STORES, type SuiteServer, serverForSuite } from '../helpers.js'
import { userViewer } from '../balena/odata-repo.js'
import { bulkInsertKeys, withBulkStore } from '../scale/bulk-keys.js'
import { orderedStatements } from './query-plans.js'

/**
 * `GET /v1/keys?prefix=`: the key a log line, a support ticket or a secret scanner shows the start
 * of, found by its visible start (`key_prefix`) through the index of migration 0028.
 */
for (const store of STORES) {
  describe(`key listing by the start of a key (${store})`, () => {
    const t = serverForSuite(store)

    it('finds a key by any start of its visible part, or by the whole key; case-sensitively', async () => {
      const { key, id, record } = await t.s.createKey(t.admin, { name: 'found-by-prefix' })
      const visible = record.key_prefix as string
      assert.equal(visible, key.slice(0, 'kw_'.length + 6))
      for (const start of [visible, visible.slice(0, -2), key.slice(0, 20), key])
        assert.ok((await ids(t, start)).includes(id), `found by ${start.length} characters`)
      assert.deepEqual(await ids(t, visible), [id], 'the visible start names one key')
      assert.ok(!(await ids(t, swapCase(visible))).includes(id), 'base62 is case-sensitive')
    })

    it("takes LIKE's and GLOB's wildcards literally", async () => {
      const imported = await importWithPrefixes(t, ['a_b%c', 'aXbYc', 'p*q', 'pZq', 'r[s]', 'rs'])
      assert.deepEqual(await ids(t, 'a_b%'), [imported.get('a_b%c')])
      assert.deepEqual(await ids(t, 'p*'), [imported.get('p*q')])
      assert.deepEqual(await ids(t, 'r['), [imported.get('r[s]')])
      assert.deepEqual(await ids(t, 'a'), [imported.get('aXbYc'), imported.get('a_b%c')].sort(byNewest))
    })

    it("another tenant's key prefix finds nothing", async () => {
      const bob = await t.s.member(`bob-prefix-${store}`, t.admin)
      const { record } = await t.s.createKey(t.admin, { name: 'admins' })
      const r = await t.s.request('GET', `/v1/keys?prefix=${record.key_prefix}`, { token: bob.token })
      assert.equal(r.status, 200, r.text)
      assert.deepEqual([r.body.total, r.body.api_keys], [0, []])
      const own = await t.s.createKey(bob.token)
      assert.deepEqual(await ids(t, own.record.key_prefix, bob.token), [own.id])
    })

    it('an empty prefix is refused with 400', async () => {
      const r = await t.s.request('GET', '/v1/keys?prefix=', { token: t.admin })
      assert.equal(r.status, 400, r.text)
      assert.equal(r.body.error.code, 'validation_failed')
    })

    it('the match is a range of the key_prefix index, not a scan', async () => {
      const plan = await queryPlan(t, 'kw_AbC')
      assert.match(plan, /api_key_prefix_idx/, plan)
    })
  })
}

async function ids(t: SuiteServer, start: string, token = t.admin): Promise<number[]> {
  const r = await t.s.request('GET', `/v1/keys?limit=100&prefix=${encodeURIComponent(start)}`, { token })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.body.total, r.body.api_keys.length)
  return (r.body.api_keys as { id: number }[]).map((k) => k.id)
}

/** Imports one key per prefix (the import takes any `key_prefix`); their ids by prefix. */
async function importWithPrefixes(t: SuiteServer, prefixes: string[]): Promise<Map<string, number>> {
  const keys = prefixes.map((key_prefix) => ({
    hash: { value: createHash('sha256').update(randomBytes(32)).digest('hex'), variant: 'sha256_hex' },
    key_prefix,
  }))
  const r = await t.s.request('POST', '/v1/keys/import', { token: t.admin, body: { keys } })
  assert.equal(r.status, 200, r.text)
  return new Map(prefixes.map((p, i) => [p, r.body.keys[i].id as number]))
}

/** The store's plan for the listing's prefix condition; sequential scans are ruled out on PostgreSQL (a small table is cheaper to scan). */
async function queryPlan(t: SuiteServer, start: string): Promise<string> {
  const { db, dialect } = t.s.kw.services.store
  const q = db
    .selectFrom('api_key')
    .select('id')
    .where(keyPrefixStartsWith(dialect, 'api_key', start))
    .compile()
  return db.connection().execute(async (c) => {
    if (dialect === 'postgres') await sql`set enable_seqscan = off`.execute(c)
    const explain = dialect === 'sqlite' ? 'explain query plan ' : 'explain '
    const r = await c.executeQuery<Record<string, string>>(CompiledQuery.raw(explain + q.sql, [...q.parameters]))
    if (dialect === 'postgres') await sql`reset enable_seqscan`.execute(c)
    return r.rows.map((x) => x.detail ?? x['QUERY PLAN']).join('\n')
  })
}

const byNewest = (a: number | undefined, b: number | undefined) => b! - a!
const swapCase = (s: string) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('')

// A reviewer's find: SQLite plans without statistics, so for a start most keys share (`kw_`) it ranged over the
// key_prefix index and sorted every match for one page (2.6 s over 1,000,000 keys, past the read budget).
describe('a page of keys by a start on SQLite sorts no more than PREFIX_SORT_MAX matches', () => {
  const sorts = async (st: Store, start: string) => {
    const { spy, ordered: pages } = orderedStatements(st.db)
    const page = await new KeyRepository(spy, st.dialect).list(
      userViewer('admin', 0, 0),
      { prefix: start, limit: 10, sort: { field: 'name', order: 'asc' } },
      new Date().toISOString(),
    )
    assert.equal(page.keys.length, Math.min(10, page.total))
    const plans = await Promise.all(
      pages.map(async (q) => {
        const r = await st.db.executeQuery<{ detail: string }>(
          CompiledQuery.raw('explain query plan ' + q.sql, [...q.parameters]),
        )
        return r.rows.map((x) => x.detail).join(' | ')
      }),
    )
    return { total: page.total, sorted: plans.some((p) => /TEMP B-TREE FOR ORDER BY/.test(p)), plans }
  }

  it('walks the name index for a start 3,000 keys share, and sorts the few of a narrower one', async () => {
    await withBulkStore('sqlite', async (st, actorId) => {
      await bulkInsertKeys(st, actorId, 3_000, 'wide') // key_prefix `kw_bulk`
      const wide = await sorts(st, 'kw_')
      assert.equal(wide.total, 3_000)
      assert.equal(wide.sorted, false, wide.plans.join('\n'))
      await st.db.updateTable('api_key').set({ key_prefix: 'kw_narrow' }).where('id', '<=', 5).execute()
      const narrow = await sorts(st, 'kw_n')
      assert.equal(narrow.total, 5)
      assert.ok(
        narrow.plans.some((p) => /api_key_prefix_idx/.test(p)),
        narrow.plans.join('\n'),
      )
    })
  })
})
