import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

const P = '/api/client/v2.0'

/**
 * Realm's 20 live keys per user is checked and the key written in one transaction that holds the
 * owner (PostgreSQL: its actor row; SQLite: the database's one writer). Checked before it,
 * 50 creates at once left a user with 44 live keys (an attacker's find).
 */
for (const store of STORES) {
  describe(`Realm's per-user key limit under concurrent creates (${store})`, () => {
    const t = serverForSuite(store)

    it('50 creates at once leave at most 20 live keys, and the rest are refused with 400', async () => {
      await t.s.member('rita', t.admin)
      const login = await t.s.request('POST', `${P}/app/x/auth/providers/local-userpass/login`, {
        body: { username: 'rita@example.com', password: 'rita-password-1' },
      })
      assert.equal(login.status, 200, login.text)
      const token = login.body.refresh_token as string
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          t.s.request('POST', `${P}/auth/api_keys`, { token, body: { name: `race-${i}` } }),
        ),
      )
      const statuses = created.map((r) => r.status)
      assert.equal(statuses.filter((s) => s === 201).length, 20, statuses.join())
      assert.equal(statuses.filter((s) => s === 400).length, 30, statuses.join())
      const listed = await t.s.request('GET', `${P}/auth/api_keys`, { token })
      assert.equal(listed.body.length, 20)
    })
  })
}
