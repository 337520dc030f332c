import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Principal } from '../../src/core/types.js'
import { type Store, openStore } from '../../src/store/database.js'
import { type ODataRow, ODataRepository } from '../../src/store/odata/query.js'
import type { ExpandNode, QueryOptions } from '../../src/store/odata/request.js'
import { bulkLoadKeys } from '../fixtures/bulk-keys.js'
import { STORES, TestServer } from '../helpers.js'
import { parsed, sessionReader } from './odata-repo.js'

/**
 * Expansions with a nested `$top`/`$skip`, paged per parent in SQL (issue 17), against the
 * meaning they had when paging was done in memory: the same request with that level's
 * `$top`/`$skip` removed, each parent's rows then sliced. The answers must be identical,
 * whatever the order, filter, selection and nesting.
 */
const PAGED_SHAPES: [shape: string, pagedAt: string[]][] = [
  ['/application?$expand=owns__device($top=5)', ['owns__device']],
  ['/application?$expand=owns__device($top=5;$skip=3;$orderby=uuid desc)', ['owns__device']],
  ['/application?$expand=owns__device($top=2;$orderby=device_name desc;$select=id,device_name)', ['owns__device']],
  ['/application?$select=id&$expand=owns__device($top=2;$select=uuid)', ['owns__device']],
  ['/application?$expand=owns__device($skip=90)', ['owns__device']],
  ['/application?$expand=owns__device($top=0)', ['owns__device']],
  ['/application?$expand=owns__device($top=10000)', ['owns__device']],
  ['/application?$expand=owns__device($top=3;$expand=actor($select=id))', ['owns__device']],
  [
    "/application?$expand=owns__device($top=4;$filter=startswith(device_name,'device-1');$orderby=created_at desc)",
    ['owns__device'],
  ],
  ['/actor?$expand=api_key($top=2;$orderby=description desc,name asc)', ['api_key']],
  ['/actor?$expand=api_key($top=3;$orderby=description asc)', ['api_key']],
  ["/actor?$top=50&$expand=api_key($top=1;$skip=1;$filter=contains(name,'e'))", ['api_key']],
  ['/actor?$expand=api_key($top=5;$filter=description eq null;$orderby=name desc)', ['api_key']],
  ['/api_key?$top=20&$expand=is_of__actor($expand=api_key($top=1))', ['is_of__actor', 'api_key']],
  ['/api_key?$top=20&$orderby=name desc&$expand=is_of__actor($top=1;$skip=0)', ['is_of__actor']],
  ['/device?$top=30&$expand=actor($expand=api_key($top=1;$skip=1;$orderby=name desc))', ['actor', 'api_key']],
  ['/user?$expand=actor($expand=api_key($top=4;$orderby=created_at desc;$select=id,name))', ['actor', 'api_key']],
]

/** The expansion node reached by following `names` from the request's options. */
function expansionAt(opts: QueryOptions, names: string[]): ExpandNode {
  const node = opts.$expand!.properties.find((e) => e.name === names[0])!
  return names.length === 1 ? node : expansionAt(node.options!, names.slice(1))
}

/** Slices every group of rows found by following `names` from `rows`. */
function sliceAt(rows: ODataRow[], names: string[], skip: number, top: number | undefined): void {
  for (const row of rows) {
    const group = row[names[0]!] as ODataRow[]
    if (names.length > 1) sliceAt(group, names.slice(1), skip, top)
    else row[names[0]!] = group.slice(skip, top === undefined ? undefined : skip + top)
  }
}

/** The answer computed the old way: the level's paging removed from the request, then applied per parent. */
async function pagedInMemory(
  repo: ODataRepository,
  p: Principal,
  shape: string,
  pagedAt: string[],
  now: string,
): Promise<ODataRow[]> {
  const req = parsed(shape)
  const node = expansionAt(req.options, pagedAt)
  const { $top, $skip, ...rest } = node.options!
  node.options = rest
  const bound = (ref: typeof $top): number | undefined =>
    ref ? (req.binds[ref.bind as number]![1] as number) : undefined
  const rows = await repo.select(sessionReader(p), req, now)
  sliceAt(rows, pagedAt, bound($skip) ?? 0, bound($top))
  return rows
}

for (const store of STORES) {
  describe(`$expand with a nested $top/$skip pages per parent in SQL, same answers (${store})`, () => {
    let s: TestServer
    let st: Store
    let viewers: [string, Principal][]
    before(async () => {
      s = await TestServer.start(store)
      const admin = await s.adminToken()
      const member = await s.member('pager', admin)
      st = openStore(s.config.databaseUrl)
      await bulkLoadKeys(st, { total: 900, memberKeys: 600, memberUserId: member.id, fleets: 4, otherUsers: 5 })
      // The principals the server itself builds (with the member's organization memberships).
      const principal = (token: string) => s.kw.services.auth.authenticate(token, null)
      viewers = [
        ['member', await principal(member.token)],
        ['admin', await principal(admin)],
      ]
    })
    after(async () => {
      await st?.close()
      await s?.close()
    })

    for (const [shape, pagedAt] of PAGED_SHAPES) {
      it(shape, async () => {
        const repo = new ODataRepository(st.db, st.dialect)
        const now = new Date().toISOString()
        for (const [who, p] of viewers) {
          const got = await repo.select(sessionReader(p), parsed(shape), now)
          const want = await pagedInMemory(repo, p, shape, pagedAt, now)
          assert.ok(want.length > 0, `${who}: the fixture answers ${shape}`)
          assert.equal(JSON.stringify(got), JSON.stringify(want), `${who}: ${shape}`)
        }
      })
    }
  })
}
