import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Text that is no Unicode is refused, not rewritten: bytes that are not UTF-8 were stored as
 * U+FFFD, and half a surrogate pair (`"\ud800"`) as one U+FFFD on PostgreSQL, three on SQLite,
 * or kept as is in meta — so two names could collapse into one (a fuzzer's find).
 */
for (const store of STORES) {
  describe(`request text that is no Unicode (${store})`, () => {
    const t = serverForSuite(store)
    const post = (payload: string | Buffer) =>
      t.s.kw.app.inject({
        method: 'POST',
        url: '/v1/keys',
        headers: { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json' },
        payload,
      })

    it('refuses a lone surrogate anywhere (400 validation_failed) and bytes that are not UTF-8 (400 invalid_json)', async () => {
      for (const body of [
        '{"name":"zzs\\ud800x"}',
        '{"name":"ok-1","description":"\\udc00"}',
        '{"name":"ok-2","meta":{"m":"\\uD800"}}',
        '{"name":"ok-3","meta":{"\\ud800":1}}',
      ]) {
        const r = await post(body)
        assert.equal(r.statusCode, 400, `${body}: ${r.body}`)
        assert.equal(JSON.parse(r.body).error.code, 'validation_failed', body)
      }
      const bytes = await post(
        Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('b"}')]),
      )
      assert.equal(bytes.statusCode, 400, bytes.body)
      assert.equal(JSON.parse(bytes.body).error.code, 'invalid_json')
      assert.equal((await t.s.request('GET', '/v1/keys', { token: t.admin })).body.total, 0, 'nothing was written')
    })

    it('keeps a surrogate pair, escaped or raw, exactly', async () => {
      const escaped = await post('{"name":"smile \\ud83d\\ude00","meta":{"e":"\\ud83d\\ude00"}}')
      assert.equal(escaped.statusCode, 201, escaped.body)
      assert.equal(JSON.parse(escaped.body).api_key.name, 'smile 😀')
      const raw = await post(JSON.stringify({ name: 'raw 😀' }))
      assert.equal(raw.statusCode, 201, raw.body)
      assert.equal(JSON.parse(raw.body).api_key.name, 'raw 😀')
    })
  })
}
