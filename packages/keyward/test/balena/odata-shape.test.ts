import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * `$orderby` of thousands of terms: SQLite refuses over 2,000 ORDER BY terms, which answered 500,
 * and 1,000 ran into the read budget, tying up its read workers (a fuzzer's find). Now: at most
 * `ODATA_LIMITS.orderTerms` order terms (400 query_too_expensive).
 */
for (const store of STORES) {
  describe(`OData $orderby of many terms (${store})`, () => {
    const t = serverForSuite(store)

    it('2,100 $orderby terms, at the root or in an $expand: 400 query_too_expensive; 8 are answered', async () => {
      const many = Array.from({ length: 2_100 }, () => 'id').join(',')
      for (const url of [`/v7/api_key?$orderby=${many}`, `/v7/actor?$expand=api_key($orderby=${many})`]) {
        const r = await t.s.request('GET', url, { token: t.admin })
        assert.equal(r.status, 400, r.text.slice(0, 300))
        assert.equal(r.body.error, 'query_too_expensive')
        assert.match(r.body.message, /\$orderby has too many terms/)
      }
      const eight = await t.s.request('GET', `/v7/api_key?$orderby=${Array(8).fill('id').join(',')}`, {
        token: t.admin,
      })
      assert.equal(eight.status, 200, eight.text.slice(0, 300))
    })
  })
}
