import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { before, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import pg from 'pg'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'

/** Past either database's bound on a statement's parameters (SQLite 32,766, PostgreSQL 65,535). */
const MANY = { sqlite: 32_800, postgres: 65_600 } as const

/**
 * The pending invitations a login of a leaked key's password made are revoked with the key in one statement per
 * chunk: one statement holding every id went past the databases' bound once the login had made enough of them (no
 * bound on pending invitations stops it: 2,000 took 8 s over HTTP), and `revoke K {minted: true}` failed with a
 * 500 on every try while the owner invitation among them stayed acceptable (an attacker's find). The rows are
 * written directly here, as the login's many POSTs would write them, to spare the machine.
 */
for (const store of STORES) {
  describe(`a login's invitations past the bound on parameters end with the key (${store})`, () => {
    const t = serverForSuite(store)
    let s: TestServer
    let admin: string
    before(() => ({ s, admin } = t))

    /** `n` more pending invitations like `email`'s, with its line. */
    async function copies(email: string, n: number): Promise<void> {
      const series =
        store === 'sqlite'
          ? `(with recursive c(n) as (select 1 union all select n + 1 from c where n < ${n}) select n from c) g`
          : `generate_series(1, ${n}) g(n)`
      const text = `insert into organization_invitation (organization_id, email, role, token_hash, invited_by_user_id,
          invited_by_key_id, created_at, expires_at, password_line)
        select i.organization_id, 'copy' || g.n || '-' || i.email, 'member', 'copy-hash-' || g.n || '-' || i.id,
          i.invited_by_user_id, i.invited_by_key_id, i.created_at, i.expires_at, i.password_line
        from organization_invitation i, ${series} where i.email = '${email}'`
      const url = s.config.databaseUrl
      if (store === 'sqlite') {
        const db = new Database(url.replace(/^sqlite:/, ''))
        db.exec(text)
        db.close()
        return
      }
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      await c.query(text).finally(() => c.end())
    }

    it('the revoke answers 200 and the owner invitation among them is refused', async () => {
      const run = randomBytes(3).toString('hex')
      const org = await s.request('POST', '/v1/organizations', {
        token: admin,
        body: { name: 'Acme', handle: `psli-${run}` },
      })
      assert.equal(org.status, 201, org.text)
      const leaked = await s.createKey(admin, { name: `psli-k-${run}` })
      const email = `psli-a-${run}@example.com`
      const made = await s.request('POST', '/v1/users', {
        token: leaked.key,
        body: { email, password: 'k-chose-admin-1', role: 'admin' },
      })
      assert.equal(made.status, 201, made.text)
      const token = await s.login(email, 'k-chose-admin-1')
      const invited = `psli-owner-${run}@example.com`
      const owner = await s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
        token,
        body: { email: invited, role: 'owner' },
      })
      assert.equal(owner.status, 201, owner.text)
      await copies(invited, MANY[store])
      const r = await s.request('POST', `/v1/keys/${leaked.id}/revoke`, {
        token: admin,
        body: { reason: 'leaked', minted: true },
      })
      assert.equal(r.status, 200, `BROKEN: the revoke failed: ${r.text}`)
      const accepted = await s.request('POST', '/v1/invitations/accept', {
        body: { token: owner.body.token, password: 'evil-password-1' },
      })
      assert.notEqual(accepted.status, 200, `BROKEN: the owner invitation was accepted: ${accepted.text}`)
    })
  })
}
