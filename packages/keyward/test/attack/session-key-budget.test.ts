import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'
import { REALM, realmSession } from '../security/fixture.js'

/**
 * Attack: a key with a usage budget (`remaining`) or a rate limit opens a Realm session, and the
 * session then acts (lists and mints keys, refreshes) without ever spending the key's budget or
 * meeting its limit: one use of a single-use key bought unlimited requests. Every use of a
 * key-opened session is a use of its key: it takes a credit and counts against the key's limits.
 */
for (const store of STORES) {
  describe(`attack: a key-opened session outspends its key's budget and limits (${store})`, () => {
    const suite = serverForSuite(store)
    const list = (rt: string) => suite.s.request('GET', `${REALM}/auth/api_keys`, { token: rt })
    const statuses = async (rt: string, n: number) => {
      const out: number[] = []
      for (let i = 0; i < n; i++) out.push((await list(rt)).status)
      return out
    }

    it('a key with 3 uses: the login takes one, the session two more, then 401 (and the key is spent)', async () => {
      const { s, admin } = suite
      const k = await s.createKey(admin, { remaining: 3 })
      const rt = await realmSession(s, k.key)
      const seen = await statuses(rt, 4)
      assert.deepEqual(seen, [200, 200, 401, 401], `FINDING: the session outspent its key's 3 uses: ${seen.join()}`)
      const mint = await s.request('POST', `${REALM}/auth/api_keys`, { token: rt, body: { name: 'more' } })
      assert.equal(mint.status, 401, `FINDING: a spent key's session minted a key: ${mint.text}`)
      // Said as what it is (the holder refills it), not as a dead session; a new login says it too.
      assert.match(mint.body.error, /has no uses left \(USAGE_EXCEEDED\)/)
      const again = await s.request('POST', `${REALM}/app/kw/auth/providers/api-key/login`, { body: { key: k.key } })
      assert.equal(again.status, 401)
      assert.deepEqual(again.body, { error: 'invalid API key (USAGE_EXCEEDED)', error_code: 'InvalidPassword' })
      const shown = await s.request('GET', `/v1/keys/${k.id}`, { token: admin })
      assert.equal(shown.body.remaining, 0, shown.text)
      // Where the budget went is on record: the login and two session uses valid, the rest refused.
      await s.kw.services.usage.flush()
      const [today] = (await s.request('GET', `/v1/keys/${k.id}/usage?days=1`, { token: admin })).body.days
      assert.equal(today.valid, 3, JSON.stringify(today))
      assert.equal(today.by_code.USAGE_EXCEEDED, 4, JSON.stringify(today)) // two lists, the mint, the new login
    })

    it('the access token (JWT) spends the same budget as the refresh token', async () => {
      const { s, admin } = suite
      const k = await s.createKey(admin, { remaining: 3 })
      const rt = await realmSession(s, k.key)
      const renewed = await s.request('POST', `${REALM}/auth/session`, { token: rt })
      assert.equal(renewed.status, 201, renewed.text)
      const access = renewed.body.access_token as string
      const profile = () => s.request('GET', `${REALM}/auth/profile`, { token: access })
      const seen = [(await profile()).status, (await profile()).status]
      assert.deepEqual(seen, [200, 401], `FINDING: the JWT outlived its key's budget: ${seen.join()}`)
    })

    it("a key limited to 3 requests a minute: its session gets 429 on the 4th, with the key's wait", async () => {
      const { s, admin } = suite
      const k = await s.createKey(admin, { rate_limit: { limit: 3, window_s: 60 } })
      const rt = await realmSession(s, k.key)
      const seen = await statuses(rt, 4)
      assert.deepEqual(
        seen,
        [200, 200, 429, 429],
        `FINDING: the session went past its key's rate limit: ${seen.join()}`,
      )
      const last = await list(rt)
      assert.ok(Number(last.headers['retry-after']) >= 1, `429 names a wait: ${JSON.stringify(last.headers)}`)
      assert.equal((await s.verify(admin, k.key)).code, 'RATE_LIMITED', 'the key itself is limited too')
    })

    it('a key used only through its session is not idle: each use moves its last_used_at', async () => {
      const { s, admin } = suite
      const k = await s.createKey(admin)
      const rt = await realmSession(s, k.key)
      const lastUsed = async () => {
        await s.kw.services.usage.flush()
        return (await s.request('GET', `/v1/keys/${k.id}`, { token: admin })).body.last_used_at as string
      }
      const atLogin = await lastUsed()
      assert.ok(atLogin, 'the login is a use')
      await new Promise((r) => setTimeout(r, 20))
      assert.equal((await list(rt)).status, 200)
      const afterUse = await lastUsed()
      assert.ok(afterUse > atLogin, `the session's use moved last_used_at: ${atLogin} -> ${afterUse}`)
    })

    it('control: a key with no budget and no limit keeps its session working', async () => {
      const { s, admin } = suite
      const k = await s.createKey(admin)
      const rt = await realmSession(s, k.key)
      assert.deepEqual(await statuses(rt, 5), [200, 200, 200, 200, 200])
      const shown = await s.request('GET', `/v1/keys/${k.id}`, { token: admin })
      assert.equal(shown.body.remaining, null)
    })
  })
}
