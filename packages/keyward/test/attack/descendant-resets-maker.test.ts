import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Attack (an attacker's find): a key may not change its own limits, budget or expiry, but a key it made could. Key A
 * (remaining 6, `keys:write`) made B with remaining 5 (no looser than A's), then B set A's remaining back up, again
 * and again: 15 verifications on a budget of 6. B also restarted A's rate-limit window at will (a window of 3,601 s,
 * then 3,602 s: "no looser", a fresh counter each time) and re-enabled A after its owner disabled it. A key's rights
 * fields, and its re-enabling, are now out of reach of every key made from it (its line below), however deep.
 */
for (const store of STORES) {
  describe(`attack: a key made by a key resets its maker's limits (${store})`, () => {
    const suite = serverForSuite(store)

    const bounded = (n: string, remaining: number) => ({
      name: n,
      scopes: ['keys:write', 'keys:read'],
      remaining,
      rate_limit: { limit: 30, window_s: 3600 },
    })
    /** Owner → A → B → C, each key made by the one before, then A spent down to 3 uses left. */
    const line = async (name: string) => {
      const { s, admin } = suite
      const owner = await s.member(name, admin)
      const a = await s.createKey(owner.token, bounded('a', 10))
      const b = await s.createKey(a.key, bounded('b', 9))
      const c = await s.createKey(b.key, bounded('c', 8))
      // A's holder spends it down: B and C now hold at least A's rights, so they "cover" it.
      for (let i = 0; i < 6; i++) assert.equal((await s.verify(admin, a.key)).code, 'VALID')
      return { owner, a, b, c }
    }

    it("refuses a key's descendants a change to its budget, rate limit or expiry (403)", async () => {
      const { s } = suite
      const { owner, a, b, c } = await line('reset-budget')
      const before = (await s.request('GET', `/v1/keys/${a.id}`, { token: owner.token })).body
      for (const [token, body] of [
        [b.key, { remaining: 5 }],
        [c.key, { remaining: 5 }],
        [b.key, { rate_limit: { limit: 30, window_s: 3601 } }],
        [c.key, { expires_at: new Date(Date.now() + 86_400_000).toISOString() }],
      ] as const) {
        const r = await s.request('PATCH', `/v1/keys/${a.id}`, { token, body })
        assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.text}`)
        assert.equal(r.body.error.code, 'forbidden')
      }
      const after = (await s.request('GET', `/v1/keys/${a.id}`, { token: owner.token })).body
      assert.equal(after.remaining, before.remaining, 'the budget is as its owner left it')
      assert.deepEqual(after.rate_limit, { limit: 30, window_s: 3600 })
      assert.equal(after.expires_at, null)
      // Down the line, as before: B narrows a key it made; the owner changes A.
      const d = await s.createKey(b.key, { ...bounded('d', 2), scopes: ['keys:read'] })
      const down = await s.request('PATCH', `/v1/keys/${d.id}`, { token: b.key, body: { remaining: 1 } })
      assert.equal(down.status, 200, down.text)
      const own = await s.request('PATCH', `/v1/keys/${a.id}`, { token: owner.token, body: { remaining: 9 } })
      assert.equal(own.status, 200, own.text)
    })

    it("refuses a key's descendants re-enabling it after its owner disabled it (403)", async () => {
      const { s, admin } = suite
      const { owner, a, b } = await line('reenable')
      assert.equal((await s.request('POST', `/v1/keys/${a.id}/disable`, { token: owner.token })).status, 200)
      const r = await s.request('POST', `/v1/keys/${a.id}/enable`, { token: b.key })
      assert.equal(r.status, 403, r.text)
      assert.equal((await s.verify(admin, a.key)).code, 'DISABLED')
      assert.equal((await s.request('POST', `/v1/keys/${a.id}/enable`, { token: owner.token })).status, 200)
    })
  })
}
