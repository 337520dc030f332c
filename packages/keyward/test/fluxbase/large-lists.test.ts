import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Readable } from 'node:stream'
import { type Store, openStore } from '../../src/store/database.js'
import { streamedJson } from '../../src/http/json-stream.js'
import { bulkLoadKeys } from '../fixtures/bulk-keys.js'
import { STORES, TestServer } from '../helpers.js'

/**
 * Fluxbase lists every key of a user in one answer (no pagination in its wire spec): 31,000 keys
 * were 9 MB serialized in one piece, holding the node's event loop 350–430 ms. Over 500 keys the
 * answer is streamed in chunks a loop turn apart (http/json-stream.ts), with the same JSON.
 */
for (const store of STORES) {
  describe(`large Fluxbase key lists are streamed, same JSON (${store})`, () => {
    let s: TestServer
    let st: Store
    let base: string
    let token: string
    let few: string
    before(async () => {
      s = await TestServer.start(store)
      const admin = await s.adminToken()
      base = await s.listen()
      const rita = await s.member('rita', admin)
      await s.member('sam', admin)
      await s.createKey((await s.member('tom', admin)).token)
      st = openStore(s.config.databaseUrl)
      await bulkLoadKeys(st, { total: 1300, memberKeys: 1300, memberUserId: rita.id, userKeyShare: 1, otherUsers: 2 })
      token = await signIn('rita')
      few = await signIn('sam')
      for (let i = 0; i < 3; i++) await s.createKey(await s.login('sam@example.com', 'sam-password-1'))
    })
    after(async () => {
      await st?.close()
      await s?.close()
    })

    async function signIn(name: string): Promise<string> {
      const body = JSON.stringify({ email: `${name}@example.com`, password: `${name}-password-1` })
      const r = await fetch(`${base}/api/v1/auth/signin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      return ((await r.json()) as { access_token: string }).access_token
    }
    async function get(path: string, bearer: string): Promise<{ res: Response; text: string }> {
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${bearer}` } })
      return { res, text: await res.text() }
    }

    for (const family of ['api-keys', 'client-keys'] as const) {
      const many = family.replace('-', '_')
      it(`${family}: 1,300 keys, chunked, each as GET /:id shows it, total last`, async () => {
        const { res, text } = await get(`/api/v1/${family}`, token)
        assert.equal(res.status, 200)
        assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
        assert.equal(res.headers.get('transfer-encoding'), 'chunked')
        const body = JSON.parse(text)
        assert.deepEqual(Object.keys(body), [many, 'total'])
        assert.equal(body.total, 1300)
        assert.equal(body[many].length, 1300)
        assert.equal(new Set(body[many].map((k: { id: string }) => k.id)).size, 1300)
        assert.equal(text, JSON.stringify(body), 'plain JSON, no spaces or stray separators')
        for (const i of [0, 499, 500, 1299]) {
          const one = await get(`/api/v1/${family}/${body[many][i].id}`, token)
          assert.deepEqual(body[many][i], JSON.parse(one.text), `key ${i}`)
        }
      })
    }

    it('500 keys or fewer are sent whole, as before', async () => {
      const { res, text } = await get('/api/v1/api-keys', few)
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(text)))
      const body = JSON.parse(text)
      assert.equal(body.total, 3)
      assert.equal(body.api_keys.length, 3)
    })
  })
}

describe('streamedJson', () => {
  const text = async (r: Readable) => (await r.toArray()).join('')
  it('is JSON.stringify of the field, the rows mapped through `each`, and the rest after them', async () => {
    const rows = Array.from({ length: 1234 }, (_, i) => ({ i, s: `"${i}"\n` }))
    const each = (r: { i: number; s: string }) => ({ n: r.i * 2, s: r.s })
    const rest = { total: 1234, more: null, why: ['x'] }
    assert.equal(
      await text(streamedJson('rows', rows, { each, rest })),
      JSON.stringify({ rows: rows.map(each), ...rest }),
    )
    assert.equal(await text(streamedJson('d', rows)), JSON.stringify({ d: rows }))
    assert.equal(await text(streamedJson('d', [])), JSON.stringify({ d: [] }))
  })
})
