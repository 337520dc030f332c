import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { CompiledQuery, sql } from 'kysely'
import { AuditRepository } from '../../src/store/audit-repository.js'
import { type Store, openStore } from '../../src/store/database.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { STORES, freshDatabase } from '../helpers.js'
import { userViewer } from '../balena/odata-repo.js'

/** Entries in the seeded log: enough that PostgreSQL's statistics make a scan of it the dearer plan. */
const ENTRIES = 200_000

/**
 * `GET /v1/audit?target_type=&target_id=` (a key page's activity) and `?action=` are ranges of their indexes
 * (migration 0030), not a walk of the whole log from its newest entry: the plans of
 * `AuditRepository.list`'s own queries, for an admin (no visibility condition) and a member.
 */
for (const store of STORES) {
  describe(`audit filters use their indexes (${store}, ${ENTRIES.toLocaleString('en')} entries)`, () => {
    let db: Awaited<ReturnType<typeof freshDatabase>>
    let st: Store
    before(async () => {
      db = await freshDatabase(store)
      st = openStore(db.url)
      await migrateToLatest(st.db, st.dialect)
      await seedLog(st, ENTRIES)
    })
    after(async () => {
      await st?.close()
      await db?.drop()
    })

    for (const [who, viewer] of [
      ['an admin', userViewer('admin', 1, 1)],
      ['a member', userViewer('member', 2, 2)],
    ] as const) {
      it(`${who}'s entries about one key: a range of audit_target_idx`, async () => {
        const plan = await plans(st, (repo) =>
          repo.list(viewer, { limit: 100, targetType: 'api_key', targetId: 49999 }),
        )
        assert.match(plan, /audit_target_idx/, plan)
        // PostgreSQL sorts the few rows its statistics expect (4 here), as it should; SQLite walks them in id order.
        if (store === 'sqlite') assert.doesNotMatch(plan, /TEMP B-TREE/, `in id order, no sort: ${plan}`)
      })

      it(`${who}'s entries of one action: a range of audit_action_idx`, async () => {
        const plan = await plans(st, (repo) => repo.list(viewer, { limit: 100, action: 'key.create' }))
        assert.match(plan, /audit_action_idx/, plan)
      })
    }

    it('the filters still answer what they did', async () => {
      const repo = new AuditRepository(st.db)
      const admin = userViewer('admin', 1, 1)
      const about = await repo.list(admin, { limit: 100, targetType: 'api_key', targetId: 49999 })
      assert.equal(about.length, ENTRIES / 50_000)
      assert.ok(about.every((e) => e.targetId === '49999'))
      assert.deepEqual(
        about.map((e) => e.id),
        [...about.map((e) => e.id)].sort((a, b) => b - a),
        'newest first',
      )
      const created = await repo.list(admin, { limit: 5, action: 'key.create' })
      assert.equal(created.length, 5)
      assert.ok(created.every((e) => e.action === 'key.create'))
    })
  })
}

/** Entries by actor 1 about its things, for targets '0'–'49999'; one in 1,000 a `key.create`. */
async function seedLog(st: Store, n: number): Promise<void> {
  const rows =
    st.dialect === 'postgres'
      ? sql`select i from generate_series(1, ${n}::int) as s(i)`
      : sql`select i from (with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n}) select i from s)`
  await sql`insert into audit_event (at, actor_id, action, target_type, target_id, owner_actor_id, details)
    select '2026-01-01T00:00:00.000Z', 1, case when i % 1000 = 0 then 'key.create' else 'key.update' end,
      'api_key', cast(i % 50000 as text), 1, '{}'
    from (${rows}) as n`.execute(st.db)
  if (st.dialect === 'postgres') await sql`analyze audit_event`.execute(st.db)
  else await sql`analyze`.execute(st.db)
}

/** The store's plans for the reads `read` makes through an AuditRepository (each read runs, then is explained). */
async function plans(st: Store, read: (repo: AuditRepository) => Promise<unknown>): Promise<string> {
  const seen: CompiledQuery[] = []
  const executor = st.db.getExecutor()
  const spy = st.db.withPlugin({
    transformQuery: ({ node, queryId }) => {
      const q = executor.compileQuery(node, queryId)
      if (/from "audit_event"/.test(q.sql)) seen.push(q)
      return node
    },
    transformResult: async ({ result }) => result,
  })
  await read(new AuditRepository(spy))
  assert.ok(seen.length > 0, 'the read went to the log')
  const explain = st.dialect === 'sqlite' ? 'explain query plan ' : 'explain '
  const out = await Promise.all(
    seen.map(async (q) => {
      const r = await st.db.executeQuery<Record<string, string>>(CompiledQuery.raw(explain + q.sql, [...q.parameters]))
      return r.rows.map((x) => x.detail ?? x['QUERY PLAN']).join('\n')
    }),
  )
  return out.join('\n---\n')
}
