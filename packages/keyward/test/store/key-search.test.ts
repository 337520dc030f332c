import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Migrator } from 'kysely'
import { openStore } from '../../src/store/database.js'
import { KeyRepository } from '../../src/store/key-repository.js'
import { allMigrations } from '../../src/store/migrations/index.js'
import { migrateToLatest } from '../../src/store/migrations.js'
import { makeTenant } from '../balena/fixture.js'
import { userViewer } from '../balena/odata-repo.js'
import { STORES, TestServer, freshDatabase } from '../helpers.js'

for (const store of STORES) {
  describe(`key name search through the name index (${store})`, () => {
    let s: TestServer
    let token: string
    const names = async (q: string, t = token): Promise<string[]> => {
      const r = await s.request('GET', `/v1/keys?limit=100&q=${encodeURIComponent(q)}`, { token: t })
      assert.equal(r.status, 200, r.text)
      return (r.body.api_keys as { name: string }[]).map((k) => k.name).sort()
    }

    before(async () => {
      s = await TestServer.start(store)
      token = await s.adminToken()
      for (const name of ['Deploy-Prod', 'deploy-staging', 'metrics', '50%_off', 'say "hi"', 'Ünïcode-key', 'ab'])
        await s.createKey(token, { name })
    })
    after(() => s.close())

    it('q= matches substrings ignoring ASCII case, with LIKE wildcards and quotes taken literally', async () => {
      assert.deepEqual(await names('deploy'), ['Deploy-Prod', 'deploy-staging'])
      assert.deepEqual(await names('PLOY-st'), ['deploy-staging'])
      assert.deepEqual(await names('%_o'), ['50%_off'])
      assert.deepEqual(await names('0%'), ['50%_off'])
      assert.deepEqual(await names('"hi"'), ['say "hi"'])
      assert.deepEqual(await names('ïcode'), ['Ünïcode-key'])
      assert.deepEqual(await names('zzz'), [])
    })

    it("q= of one or two characters scans the caller's keys with the same meaning", async () => {
      assert.deepEqual(await names('AB'), ['ab'])
      assert.deepEqual(await names('s'), ['deploy-staging', 'metrics', 'say "hi"'])
    })

    it('the index follows renames and deletes', async () => {
      const k = await s.createKey(token, { name: 'before-rename' })
      assert.deepEqual(await names('before-ren'), ['before-rename'])
      assert.equal(
        (await s.request('PATCH', `/v1/keys/${k.id}`, { token, body: { name: 'after-rename' } })).status,
        200,
      )
      assert.deepEqual(await names('before-ren'), [])
      assert.deepEqual(await names('after-ren'), ['after-rename'])
      assert.equal((await s.request('DELETE', `/v1/keys/${k.id}`, { token })).status, 204)
      assert.deepEqual(await names('after-ren'), [])
    })

    it('OData not(contains(name, …)) leaves unnamed keys out (NULL stays NULL through the index)', async () => {
      const bea = await makeTenant(s, 'bea', token)
      const r = await s.request(
        'GET',
        `/v7/api_key?$select=id&$filter=${encodeURIComponent("not(contains(name,'abc'))")}`,
        { token: bea.user.token },
      )
      const ids = (r.body.d as { id: number }[]).map((x) => x.id)
      assert.ok(ids.includes(bea.userKey.id), r.text)
      assert.ok(!ids.includes(bea.deviceKey.id), 'the device key has no name: neither contains nor not(contains) holds')
    })

    it('OData contains(name, …) stays case-sensitive through the index', async () => {
      const r = await s.request(
        'GET',
        `/v7/api_key?$select=name&$filter=${encodeURIComponent("contains(name,'eploy')")}`,
        { token },
      )
      assert.deepEqual((r.body.d as { name: string }[]).map((x) => x.name).sort(), ['Deploy-Prod', 'deploy-staging'])
      const upper = await s.request(
        'GET',
        `/v7/api_key?$select=name&$filter=${encodeURIComponent("contains(name,'Deploy')")}`,
        { token },
      )
      assert.deepEqual(
        (upper.body.d as { name: string }[]).map((x) => x.name),
        ['Deploy-Prod'],
      )
    })
  })

  it(`migration 0006 indexes the names of keys that existed before it (${store})`, async () => {
    const db = await freshDatabase(store)
    const st = openStore(db.url)
    try {
      const migrator = new Migrator({ db: st.db, provider: { getMigrations: async () => allMigrations(st.dialect) } })
      const { error } = await migrator.migrateTo('0005_key_usage')
      assert.equal(error, undefined)
      const now = new Date().toISOString()
      const actor = await st.db
        .insertInto('actor')
        .values({ kind: 'user', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
      await st.db
        .insertInto('api_key')
        .values({
          actor_id: actor.id,
          kind: 'user',
          name: 'legacy-name',
          hash: 'h'.repeat(64),
          key_prefix: 'kw',
          scopes: '[]',
          meta: '{}',
          created_at: now,
          updated_at: now,
        })
        .execute()
      const applied = await migrateToLatest(st.db, st.dialect)
      assert.equal(applied[0], '0006_key_search', 'the search index is the first migration after 0005')
      const admin = userViewer('admin', 0, 0)
      const found = await new KeyRepository(st.db, st.dialect).list(
        admin,
        { q: 'acy-na', limit: 10, sort: { field: 'created_at', order: 'desc' } },
        now,
      )
      assert.deepEqual(
        found.keys.map((k) => k.name),
        ['legacy-name'],
      )
    } finally {
      await st.close()
      await db.drop()
    }
  })
}
