import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Store, openStore } from '../../src/store/database.js'
import { ODataRepository } from '../../src/store/odata/query.js'
import { bulkLoadKeys } from '../fixtures/bulk-keys.js'
import { STORES, TestServer } from '../helpers.js'
import { parsed, sessionReader, userViewer } from './odata-repo.js'

/**
 * OData answers over 500 rows leave in chunks, a loop turn apart (http/json-stream.ts), so
 * serializing and writing 10,000 rows never holds the node in one piece (issue 17). The
 * bytes are the same as a whole answer's: `JSON.stringify({d: rows})`.
 */
for (const store of STORES) {
  describe(`large OData answers are streamed in chunks, same bytes (${store})`, () => {
    let s: TestServer
    let st: Store
    let base: string
    let admin: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      base = await s.listen()
      st = openStore(s.config.databaseUrl)
      await bulkLoadKeys(st, { total: 1300, memberKeys: 100, fleets: 2, otherUsers: 3 })
    })
    after(async () => {
      await st?.close()
      await s?.close()
    })

    async function get(path: string): Promise<{ res: Response; text: string }> {
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${admin}` } })
      return { res, text: await res.text() }
    }

    it('1,200 rows: chunked, and byte for byte what the repository gives, stringified whole', async () => {
      const shape = '/api_key?$top=1200&$orderby=name desc'
      const { res, text } = await get(`/v7${shape}`)
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
      assert.equal(res.headers.get('transfer-encoding'), 'chunked')
      const a = await st.db
        .selectFrom('user')
        .select(['id', 'actor_id'])
        .where('role', '=', 'admin')
        .executeTakeFirstOrThrow()
      const rows = await new ODataRepository(st.db, st.dialect).select(
        sessionReader(userViewer('admin', a.id, a.actor_id)),
        parsed(shape),
        new Date().toISOString(),
      )
      assert.equal(rows.length, 1200)
      assert.equal(text, JSON.stringify({ d: rows }))
    })

    it('500 rows or fewer, and $count, are sent whole as before', async () => {
      for (const path of ['/v7/api_key?$top=500', '/v7/api_key/$count']) {
        const { res, text } = await get(path)
        assert.equal(res.status, 200)
        assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(text)), path)
      }
    })
  })
}
