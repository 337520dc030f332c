import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Bad input is a 400 whatever the data: an `$expand`'s options were checked only once a parent row
 * matched, so `actor?$expand=api_key($expand=is_of__actor($bogus=1))`, an unknown field in a nested `$select`, `$filter` or
 * `$orderby`, or an expansion nested past the limit answered 200 to a caller with no keys and 400 to one
 * with keys (an attacker's find: a query that works on an empty tenant breaks on a full one, and an
 * answer that depends on what exists). The whole `$expand` tree is checked before a row is read.
 */
const BAD: [string, string][] = [
  ['/v7/actor?$expand=api_key($expand=is_of__actor($bogus=1))', 'validation_failed'],
  ['/v7/actor?$expand=api_key($expand=is_of__actor($select=nosuch))', 'validation_failed'],
  ['/v7/actor?$expand=api_key($expand=is_of__actor($filter=nosuch eq 1))', 'validation_failed'],
  ['/v7/actor?$expand=api_key($expand=is_of__actor($orderby=nosuch))', 'validation_failed'],
  ['/v7/actor?$expand=api_key($expand=nosuch)', 'validation_failed'],
  ['/v7/actor?$expand=api_key($expand=is_of__actor($expand=api_key))', 'query_too_expensive'],
  ['/v7/actor?$expand=api_key($filter=nosuch eq 1)', 'validation_failed'],
  ['/v7/actor?$expand=api_key($expand=is_of__actor)', 'control'],
]

for (const store of STORES) {
  describe(`attack: a bad $expand is refused whether or not any row matched (${store})`, () => {
    const t = serverForSuite(store)
    let empty: string
    let full: string
    before(async () => {
      empty = (await t.s.member('empty', t.admin)).token
      full = (await t.s.member('full', t.admin)).token
      await t.s.createKey(full, { name: 'one' })
    })

    it('the same 400 and code for a caller with keys and one without', async () => {
      for (const [url, code] of BAD) {
        const withRows = await t.s.request('GET', url, { token: full })
        const without = await t.s.request('GET', url, { token: empty })
        if (code === 'control') {
          assert.equal(withRows.status, 200, `control ${url}: ${withRows.text}`)
          continue
        }
        assert.equal(withRows.status, 400, `control ${url}: with keys ${withRows.text}`)
        assert.equal(withRows.body.error, code, url)
        assert.equal(without.status, 400, `BROKEN ${url}: without keys ${without.status} ${without.text.slice(0, 200)}`)
        assert.equal(without.body.error, code, url)
      }
    })
  })
}
