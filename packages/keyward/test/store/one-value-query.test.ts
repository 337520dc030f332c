import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { hashSecret } from '../../src/core/key-format.js'
import { KeyRepository } from '../../src/store/key-repository.js'
import { OneValueQuery } from '../../src/store/one-value-query.js'
import { STORES, TestServer } from '../helpers.js'
import { recordingDb } from './query-plans.js'

/**
 * The verify path's key lookup is compiled once and run with each call's hash
 * (`store/one-value-query.ts`): every run must answer its own value, never the value it was
 * compiled with nor an earlier call's, and keep the query's other parameters.
 */
for (const store of STORES) {
  describe(`a query compiled once, run with each call's value (${store})`, () => {
    let s: TestServer
    let rec: ReturnType<typeof recordingDb>
    const made: { id: number; key: string }[] = []

    before(async () => {
      s = await TestServer.start(store)
      const token = await s.adminToken()
      for (const name of ['first', 'second']) {
        const r = await s.request('POST', '/v1/keys', { token, body: { name } })
        assert.equal(r.status, 201, r.text)
        made.push({ id: r.body.api_key.id, key: r.body.key })
      }
      rec = recordingDb(s.config.databaseUrl)
    })
    after(async () => {
      await rec.db.destroy()
      await s.close()
    })

    it('findByHash answers each hash its own key, and an unknown hash none', async () => {
      const keys = new KeyRepository(rec.db, rec.dialect)
      for (const round of [1, 2])
        for (const m of made) assert.equal((await keys.findByHash(hashSecret(m.key)))?.key.id, m.id, `round ${round}`)
      assert.equal(await keys.findByHash(hashSecret(`${made[0]!.key}x`)), undefined)
      const lookups = rec.statements.slice(-5)
      assert.equal(new Set(lookups.map((q) => q.sql)).size, 1, 'one SQL text for every lookup')
      const unknownHash = hashSecret(`${made[0]!.key}x`)
      assert.deepEqual(
        lookups.map((q) => q.parameters),
        [...made, ...made].map((m) => [hashSecret(m.key), hashSecret(m.key)]).concat([[unknownHash, unknownHash]]),
      )
      assert.ok(lookups.every((q) => q.parameters.every((p) => typeof p === 'string' && /^[0-9a-f]{64}$/.test(p))))
    })

    it("keeps the query's other parameters as they were compiled", async () => {
      const byName = new OneValueQuery((name: string) =>
        rec.db.selectFrom('api_key').select('id').where('name', '=', name).where('kind', '=', 'user'),
      )
      assert.deepEqual(await byName.rows(rec.db, 'second'), [{ id: made[1]!.id }])
      assert.deepEqual(await byName.rows(rec.db, 'first'), [{ id: made[0]!.id }])
      assert.deepEqual(rec.statements.at(-1)!.parameters, ['first', 'user'])
    })

    it('refuses a builder that changes its value or writes it into the SQL (the sentinel would reach the database)', async () => {
      const sent = rec.statements.length
      const like = new OneValueQuery((v: string) =>
        rec.db.selectFrom('api_key').select('id').where('name', 'like', `${v}%`),
      )
      await assert.rejects(like.rows(rec.db, 'first'), /bind its value as a parameter, unchanged/)
      const inlined = new OneValueQuery((v: string) =>
        rec.db.selectFrom('api_key').select('id').where('name', '=', sql.lit(v)),
      )
      await assert.rejects(inlined.rows(rec.db, 'first'), /bind its value as a parameter, unchanged/)
      assert.equal(rec.statements.length, sent, 'nothing was sent')
    })
  })
}
