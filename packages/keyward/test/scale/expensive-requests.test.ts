import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openStore } from '../../src/store/database.js'
import { type ODataRow, ODataRepository } from '../../src/store/odata/query.js'
import { parsed, sessionReader, userViewer } from '../balena/odata-repo.js'
import { type BulkLoadResult, bulkLoadKeys } from '../fixtures/bulk-keys.js'
import { STORES, TestServer } from '../helpers.js'
import { analyze, fullScans, planOf, recordingDb } from '../store/query-plans.js'

/** What any single request may take on a loaded store (issue 17: no single request can stall a node). */
const BUDGET_MS = 5000
const TOTAL = 100_000
const MEMBER_KEYS = 20_000

/**
 * Adversarial requests against 100,000 keys, one member holding 20,000 of them
 * through fleets and devices: every one answers 2xx or 4xx within the budget,
 * and every supported OData shape seeks indexes inside its correlated subqueries.
 */
for (const store of STORES) {
  describe(`expensive requests over ${TOTAL} keys (${store})`, () => {
    let s: TestServer
    let admin: string
    let member: { id: number; actorId: number; token: string }
    let loaded: BulkLoadResult

    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      member = await s.member('fleet-owner', admin)
      const st = openStore(s.config.databaseUrl)
      try {
        loaded = await bulkLoadKeys(st, { total: TOTAL, memberKeys: MEMBER_KEYS, memberUserId: member.id })
        if (store === 'postgres') await analyze(st.db)
      } finally {
        await st.close()
      }
    })
    after(() => s.close())

    /** Sends a request as `token`; checks the status and the budget; returns the body. */
    async function timed(
      t: { diagnostic(m: string): void },
      url: string,
      want: number | string,
      token = member.token,
    ): Promise<any> {
      const started = performance.now()
      const r = await s.request('GET', url, { token })
      const ms = Math.round(performance.now() - started)
      t.diagnostic(`${ms} ms ${r.status} ${url.slice(0, 140)}`)
      assert.ok(ms < BUDGET_MS, `${url} took ${ms} ms`)
      if (typeof want === 'number') assert.equal(r.status, want, `${url}: ${r.text.slice(0, 300)}`)
      else assert.deepEqual([r.status, r.body?.error], [400, want], `${url}: ${r.text.slice(0, 300)}`)
      return r.body
    }
    const f = encodeURIComponent

    it('loads the fixture in seconds: the member holds 20,000 keys', async (t) => {
      t.diagnostic(`bulk load of ${TOTAL} keys: ${loaded.ms} ms`)
      const count = await timed(t, '/v7/api_key/$count', 200)
      assert.equal(count.d, MEMBER_KEYS)
    })

    it('the quadratic re-entry (43 s on main for 20,000 keys) is refused at once, for members and admins', async (t) => {
      const quadratic = `/v7/api_key?$filter=${f("is_of__actor/any(a:a/api_key/any(k:contains(k/name,'zz')))")}&$top=1`
      await timed(t, quadratic, 'query_too_expensive')
      await timed(t, quadratic, 'query_too_expensive', admin)
      await timed(
        t,
        `/v7/api_key/$count?$filter=${f("is_of__actor/any(a:a/api_key/any(k:k/name eq 'x'))")}`,
        'query_too_expensive',
      )
    })

    it('many-term filters: 120 contains terms are refused, 50 answer in budget', async (t) => {
      const terms = (n: number) => f(Array.from({ length: n }, (_, i) => `contains(name,'zz${i}')`).join(' or '))
      await timed(t, `/v7/api_key?$filter=${terms(120)}`, 'query_too_expensive', admin)
      await timed(t, `/v7/api_key?$filter=${terms(50)}&$top=1`, 200, admin)
      await timed(t, `/v7/api_key?$filter=${terms(50)}&$top=1`, 200)
    })

    // PostgreSQL only: SQLite reads every row against the 50 FTS match lists (a bloom filter each), timed above.
    it(
      '50 or-ed contains terms are served by the name index, not a walk of the primary key, under any $orderby (EXPLAIN)',
      { skip: store === 'sqlite' && 'PostgreSQL planner case' },
      async () => {
        const { db, dialect, statements } = recordingDb(s.config.databaseUrl)
        const terms = Array.from({ length: 50 }, (_, i) => `contains(name,'zq${i}')`).join(' or ')
        try {
          const admin = await db
            .selectFrom('user')
            .select(['id', 'actor_id'])
            .where('role', '=', 'admin')
            .executeTakeFirstOrThrow()
          const p = userViewer('admin', admin.id, admin.actor_id)
          for (const order of ['', '&$orderby=id desc', '&$orderby=name', '&$orderby=created_at desc']) {
            await new ODataRepository(db, dialect).select(
              sessionReader(p),
              parsed(`/api_key?$filter=${terms}&$top=10${order}`),
              new Date().toISOString(),
            )
            const steps = (await planOf(db, dialect, statements.at(-1)!)).map((x) => x.detail)
            const plan = `${order || '(no $orderby)'}:\n${steps.join('\n')}`
            assert.ok(steps.includes('Bitmap Index Scan api_key_name_trgm_idx'), plan)
            assert.deepEqual(
              steps.filter((x) => /Index Scan( Backward)? api_key api_key_(pkey|created_at)/.test(x)),
              [],
              plan,
            )
          }
        } finally {
          await db.destroy()
        }
      },
    )

    it('$count with lambdas, deep and wide $expand, huge $skip, $top and unindexed $orderby stay in budget', async (t) => {
      const lambdas = f("is_of__actor/any(a:a/is_of__device/any(d:d/belongs_to__application/any(p:p/slug ne 'x')))")
      const devices = await timed(t, `/v7/api_key/$count?$filter=${lambdas}`, 200)
      assert.ok(devices.d > 15_000, `device keys: ${devices.d}`)
      await timed(t, `/v7/api_key/$count?$filter=${lambdas}`, 200, admin)
      await timed(t, '/v7/api_key?$top=10000&$expand=is_of__actor($expand=api_key)', 'query_too_expensive')
      await timed(
        t,
        '/v7/actor?$expand=api_key,is_of__device($expand=belongs_to__application),is_of__user,is_of__application',
        200,
      )
      await timed(
        t,
        '/v7/api_key?$top=10000&$expand=is_of__actor($expand=is_of__device,is_of__application,is_of__user)',
        'query_too_expensive',
      )
      await timed(
        t,
        '/v7/api_key?$top=2000&$expand=is_of__actor($expand=is_of__device,is_of__application,is_of__user)',
        200,
      )
      await timed(t, '/v7/api_key?$skip=1000000000', 'query_too_expensive')
      await timed(t, '/v7/api_key?$skip=100000&$top=10', 200, admin)
      await timed(t, '/v7/api_key?$top=10000', 200, admin)
      await timed(t, '/v7/api_key?$orderby=description&$top=1', 'query_too_expensive')
      await timed(t, `/v7/api_key?$orderby=description&$filter=${f('id lt 5000')}&$top=1`, 200, admin)
      await timed(t, '/v7/api_key?$orderby=name asc&$top=5', 200)
      await timed(t, '/v7/api_key?$orderby=created_at desc&$top=5', 200, admin)
    })

    it('key searches: q= (long, short, missing) and OData contains answer in budget', async (t) => {
      const found = await timed(t, '/v1/keys?q=deploy-1999', 200)
      assert.ok(found.total >= 1)
      await timed(t, '/v1/keys?q=zzz', 200, admin)
      await timed(t, '/v1/keys?q=zzz', 200)
      await timed(t, `/v1/keys?q=${'x'.repeat(100)}`, 200, admin)
      await timed(t, '/v1/keys?q=z', 200, admin)
      await timed(t, '/v1/keys?q=deploy&sort=name&order=asc', 200, admin)
      await timed(t, `/v7/api_key?$filter=${f("contains(name,'zzz')")}&$top=1`, 200, admin)
      await timed(t, `/v7/api_key/$count?$filter=${f("contains(name,'deploy')")}`, 200)
    })

    it('a nested $top pages each parent in SQL: only the page leaves the database (20,000 keys behind one owner)', async (t) => {
      const { db, dialect, rows } = recordingDb(s.config.databaseUrl)
      // The principal the server builds for the member (with their organization memberships).
      const p = await s.kw.services.auth.authenticate(member.token, null)
      const cases: [shape: string, parents: (d: ODataRow[]) => ODataRow[][], top: number][] = [
        // 1,700 devices per fleet: each fleet gets its first 5 by uuid.
        [
          '/application?$expand=owns__device($top=5;$orderby=uuid desc)',
          (d) => d.map((a) => a.owns__device as ODataRow[]),
          5,
        ],
        // Two of the member's keys, their owner, and that owner's 2,000 keys cut to one.
        [
          '/api_key?$top=2&$filter=is_of__actor eq ' +
            member.actorId +
            '&$expand=is_of__actor($expand=api_key($top=1))',
          (d) => d.flatMap((k) => (k.is_of__actor as ODataRow[]).map((a) => a.api_key as ODataRow[])),
          1,
        ],
      ]
      try {
        const repo = new ODataRepository(db, dialect)
        for (const [shape, groups, top] of cases) {
          rows.length = 0
          const started = performance.now()
          const d = await repo.select(sessionReader(p), parsed(shape), new Date().toISOString())
          t.diagnostic(
            `${shape}: ${Math.round(performance.now() - started)} ms, rows read per statement ${rows.join(', ')}`,
          )
          const g = groups(d)
          assert.ok(g.length > 0 && g.every((x) => x.length === top), `${top} row(s) under each parent`)
          // What the process parses is the answer: the root rows, then at most `top` per parent.
          assert.ok(Math.max(...rows) <= Math.max(d.length, g.length * top), `rows read: ${rows.join(', ')}`)
        }
      } finally {
        await db.destroy()
      }
    })

    it('every supported OData shape seeks indexes inside correlated subqueries, for members and admins (EXPLAIN)', async () => {
      const app = loaded.fleetIds[0]!
      const shapes = [
        `/api_key?$filter=id eq 5`,
        `/api_key?$filter=name eq 'deploy-10'`,
        `/api_key?$filter=is_of__actor eq ${member.actorId}`,
        `/api_key?$filter=contains(name,'deploy-10')`,
        `/api_key?$orderby=created_at desc&$top=5`,
        `/api_key?$orderby=name asc&$top=5`,
        `/api_key?$filter=is_of__actor/any(a:a/is_of__user/any(u:u/id eq ${member.id}))`,
        `/api_key?$filter=is_of__actor/any(a:a/is_of__user eq ${member.id})`,
        `/api_key?$filter=is_of__actor/any(a:a/is_of__device/any(d:d/uuid eq '${loaded.deviceUuid}'))`,
        `/api_key?$filter=is_of__actor/any(a:a/is_of__application/any(p:p/id eq ${app}))`,
        `/api_key?$filter=is_of__actor/any(a:a/is_of__device/any(d:d/belongs_to__application/any(p:p/id eq ${app})))`,
        `/api_key?$top=50&$expand=is_of__actor($expand=is_of__device,is_of__application)`,
        `/actor?$filter=api_key/any(k:k/name eq 'x')&$top=5`,
        `/actor?$filter=is_of__device/any(d:d/uuid eq '${loaded.deviceUuid}')`,
        `/application?$filter=owns__device/any(d:d/uuid eq '${loaded.deviceUuid}')`,
        `/application?$top=3&$expand=owns__device($select=id)`,
        `/application?$top=3&$expand=owns__device($top=5;$orderby=uuid desc)`,
        `/api_key?$top=2&$expand=is_of__actor($expand=api_key($top=1;$skip=1;$orderby=name desc))`,
        `/actor?$top=5&$expand=api_key($top=2;$filter=contains(name,'deploy'))`,
        `/device?$filter=belongs_to__application/any(p:p/id eq ${app})&$top=5`,
        `/device(uuid='${loaded.deviceUuid}')?$expand=belongs_to__application`,
        `/user?$filter=username eq 'fleet-owner'`,
      ]
      const { db, dialect, statements } = recordingDb(s.config.databaseUrl)
      try {
        const repo = new ODataRepository(db, dialect)
        const adminUser = await db
          .selectFrom('user')
          .select(['id', 'actor_id'])
          .where('role', '=', 'admin')
          .executeTakeFirstOrThrow()
        // A member's rows are found through the visibility subquery and indexes: on SQLite no table is scanned at all.
        // An admin sees every row, so the outer query may scan; what runs per outer row must still seek.
        const viewers = [
          { p: await s.kw.services.auth.authenticate(member.token, null), anyScan: dialect === 'sqlite' },
          { p: userViewer('admin', adminUser.id, adminUser.actor_id), anyScan: false },
        ]
        for (const [shape, { p, anyScan }] of shapes.flatMap((sh) => viewers.map((v) => [sh, v] as const))) {
          statements.length = 0
          await repo.select(sessionReader(p), parsed(shape), new Date().toISOString())
          assert.ok(statements.length > 0)
          for (const q of [...statements]) {
            const steps = await planOf(db, dialect, q)
            const scans = fullScans(steps).filter((x) => x.correlated || anyScan)
            assert.deepEqual(
              scans,
              [],
              `${shape}\n${q.sql}\n${steps.map((x) => `${x.correlated ? '  (correlated) ' : '  '}${x.detail}`).join('\n')}`,
            )
          }
        }
      } finally {
        await db.destroy()
      }
    })
  })
}
