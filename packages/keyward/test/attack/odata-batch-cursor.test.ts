import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { hashSecret } from '../../src/core/key-format.js'
import { TestServer } from '../helpers.js'

/** Keys of two owners, their ids interleaved (one of each in turn), so a cursor's batches straddle both. */
describe('OData pages read through a cursor (postgres)', { skip: !process.env.KEYWARD_TEST_DATABASE_URL }, () => {
  let s: TestServer
  let member: { id: number; actorId: number; token: string }
  let adminActor: number
  const PER_OWNER = 1_500

  before(async () => {
    s = await TestServer.start('postgres', { env: { KEYWARD_READ_POOL_SIZE: '1' } })
    const admin = await s.adminToken()
    member = await s.member('cursor-member', admin)
    const { id } = await s.createKey(admin)
    const db = s.kw.services.store.db
    adminActor = (await db.selectFrom('api_key').select('actor_id').where('id', '=', id).executeTakeFirstOrThrow())
      .actor_id
    const now = new Date().toISOString()
    for (let done = 0; done < 2 * PER_OWNER; done += 1000) {
      const rows = Array.from({ length: 1000 }, (_, j) => {
        const i = done + j
        const owner = i % 2 === 0 ? member.actorId : adminActor
        return {
          actor_id: owner,
          kind: 'user' as const,
          hash: hashSecret(`cursor-${i}`),
          key_prefix: 'kw_curs',
          name: `k-${String(i % 7).padStart(2, '0')}-${i}`,
          scopes: '[]',
          meta: '{}',
          created_by_actor_id: owner,
          created_at: now,
          updated_at: now,
        }
      })
      await db.insertInto('api_key').values(rows).execute()
    }
  })
  after(() => s.close())

  const get = async (url: string) => {
    const r = await s.request('GET', url, { token: member.token })
    assert.equal(r.status, 200, `${url}: ${r.text.slice(0, 300)}`)
    return r.body
  }
  const rowsOf = (b: any): any[] => b.d ?? b.value ?? b

  it('a 1,200-row page equals the same rows read as three pages of at most 500, and holds only the viewer’s keys', async () => {
    const q = `$select=id,name,is_of__actor&$orderby=name desc&$filter=${encodeURIComponent("startswith(name,'k-')")}`
    const whole = rowsOf(await get(`/v7/api_key?${q}&$top=1200&$skip=7`))
    const parts = [
      ...rowsOf(await get(`/v7/api_key?${q}&$top=500&$skip=7`)),
      ...rowsOf(await get(`/v7/api_key?${q}&$top=500&$skip=507`)),
      ...rowsOf(await get(`/v7/api_key?${q}&$top=200&$skip=1007`)),
    ]
    assert.equal(whole.length, 1200)
    assert.deepEqual(whole, parts)
    const foreign = whole.filter((r) => r.is_of__actor.__id !== member.actorId)
    assert.deepEqual(foreign, [])
    const count = await get(`/v7/api_key/$count?$filter=${encodeURIComponent("startswith(name,'k-')")}`)
    assert.equal(count.d ?? count, PER_OWNER)
  })

  it('an expansion with nested $top/$skip over a cursor gives the rows SQL gives, in order', async () => {
    const body = await get(
      `/v7/actor?$filter=id eq ${member.actorId}&$expand=api_key($select=id;$orderby=id desc;$top=900;$skip=3)`,
    )
    const got = rowsOf(body)[0].api_key.map((k: any) => k.id)
    const want = (
      await s.kw.services.store.db
        .selectFrom('api_key')
        .select('id')
        .where('actor_id', '=', member.actorId)
        .orderBy('id', 'desc')
        .offset(3)
        .limit(900)
        .execute()
    ).map((r) => r.id)
    assert.equal(got.length, 900)
    assert.deepEqual(got, want)
  })

  it('with a read pool of one, 8 concurrent large pages answer 200 or 503, never 500, and the pool is free afterwards', async () => {
    const url = `/v7/api_key?$select=id&$top=1400&$orderby=name`
    const rs = await Promise.all(Array.from({ length: 8 }, () => s.request('GET', url, { token: member.token })))
    const statuses = rs.map((r) => r.status)
    // 200, or 503 (no connection within the budget): never 500.
    assert.ok(
      statuses.every((c) => c === 200 || c === 503),
      `statuses ${statuses.join(',')}: ${rs.find((r) => r.status !== 200)?.text.slice(0, 200)}`,
    )
    assert.ok(statuses.includes(200))
    const again = await s.request('GET', url, { token: member.token })
    assert.equal(again.status, 200)
    assert.equal(rowsOf(again.body).length, 1400)
  })
})
