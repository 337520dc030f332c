import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, type SuiteServer, serverForSuite } from '../helpers.js'

/**
 * `GET /v1/keys?scope=`: the keys whose scopes include one scope, exactly as verify's `scopes`
 * checks it (a key without scopes holds none of the caller's API scopes; `*` is not expanded).
 * The question a leak response or an audit asks: "which keys can write invoices?".
 */
for (const store of STORES) {
  describe(`key listing by scope (${store})`, () => {
    const t = serverForSuite(store)

    it('finds the keys whose scopes include the scope, and only those', async () => {
      const tag = `inv-${store}`
      const both = await t.s.createKey(t.admin, { name: `${tag}-both`, scopes: [`${tag}:read`, `${tag}:write`] })
      const reader = await t.s.createKey(t.admin, { name: `${tag}-read`, scopes: [`${tag}:read`] })
      await t.s.createKey(t.admin, { name: `${tag}-longer`, scopes: [`${tag}:readers`, `x${tag}:read`] })
      await t.s.createKey(t.admin, { name: `${tag}-wild`, scopes: ['*'] })
      await t.s.createKey(t.admin, { name: `${tag}-full` })
      assert.deepEqual(await ids(t, `${tag}:read`), [reader.id, both.id])
      assert.deepEqual(await ids(t, `${tag}:write`), [both.id])
      assert.deepEqual(await ids(t, `${tag}:rea`), [], 'a scope is matched whole, not as a start')
      // What verify says agrees with the listing.
      assert.equal((await t.s.verify(t.admin, reader.key, [`${tag}:read`])).code, 'VALID')
    })

    it("takes JSON's and LIKE's special characters literally", async () => {
      const odd = ['q"uote', 'back\\slash', 'per%cent', 'under_score', 'ünï:cödé']
      const made = new Map<string, number>()
      for (const scope of odd) made.set(scope, (await t.s.createKey(t.admin, { scopes: [scope, 'odd:other'] })).id)
      for (const scope of odd) assert.deepEqual(await ids(t, scope), [made.get(scope)], scope)
      assert.deepEqual(await ids(t, 'q'), [])
      assert.deepEqual(await ids(t, 'per_cent'), [], '_ is no wildcard')
    })

    it("combines with the other filters, pages and counts; another tenant's keys are not counted", async () => {
      const tag = `pg-${store}`
      const bob = await t.s.member(`bob-scope-${store}`, t.admin)
      await t.s.createKey(t.admin, { name: `${tag}-admin`, scopes: [`${tag}:x`] })
      const own = []
      for (let i = 0; i < 3; i++)
        own.push((await t.s.createKey(bob.token, { name: `${tag}-${i}`, scopes: [`${tag}:x`] })).id)
      await t.s.createKey(bob.token, { name: `${tag}-other`, scopes: [`${tag}:y`] })
      const first = await t.s.request('GET', `/v1/keys?scope=${tag}:x&limit=2`, { token: bob.token })
      assert.equal(first.status, 200, first.text)
      assert.equal(first.body.total, 3)
      const second = await t.s.request(
        'GET',
        `/v1/keys?scope=${tag}:x&limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`,
        { token: bob.token },
      )
      const paged = [...first.body.api_keys, ...second.body.api_keys].map((k: { id: number }) => k.id)
      assert.deepEqual(paged, own.reverse())
      assert.deepEqual(await ids(t, `${tag}:x`, bob.token, `&q=${tag}-1`), [own[1]])
      assert.equal((await ids(t, `${tag}:x`)).length, 4, 'the admin sees both tenants')
    })

    it('an empty scope, or one with blanks, is refused with 400', async () => {
      for (const bad of ['', '%20', 'a%20b']) {
        const r = await t.s.request('GET', `/v1/keys?scope=${bad}`, { token: t.admin })
        assert.equal(r.status, 400, `${bad}: ${r.text}`)
        assert.equal(r.body.error.code, 'validation_failed')
      }
    })
  })
}

async function ids(t: SuiteServer, scope: string, token = t.admin, more = ''): Promise<number[]> {
  const r = await t.s.request('GET', `/v1/keys?limit=100&scope=${encodeURIComponent(scope)}${more}`, { token })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.body.total, r.body.api_keys.length)
  return (r.body.api_keys as { id: number }[]).map((k) => k.id)
}
