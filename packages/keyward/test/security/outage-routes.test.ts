import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { generateKey } from '../../src/core/key-format.js'
import { STORES, TestServer } from '../helpers.js'
import { REALM, databaseOutage, realmSession } from './fixture.js'

/**
 * A database outage is a 503 (`unavailable`, retry), never a 500 or a refusal, on every kind of
 * route: the client retries a 503 and reports a 500. Callers authenticate from the session cache,
 * so each request reaches its route's own queries. PostgreSQL: the test database refuses
 * connections and its backends are terminated; SQLite: the store is closed.
 */
for (const store of STORES) {
  describe(`a database outage answers 503 on every kind of route (${store})`, () => {
    let s: TestServer
    let admin: string
    let invitation: string
    let realm: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      const t = randomBytes(3).toString('hex')
      const org = await s.request('POST', '/v1/organizations', { token: admin, body: { name: t, handle: `o-${t}` } })
      const inv = await s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
        token: admin,
        body: { email: `new-${t}@example.com`, role: 'member' },
      })
      assert.equal(inv.status, 201, inv.text)
      invitation = inv.body.token as string
      assert.equal((await s.request('GET', '/v1/auth/whoami', { token: admin })).status, 200)
      const budgeted = await s.createKey(admin, { remaining: 10 })
      realm = await realmSession(s, budgeted.key)
    })
    after(() => s.close().catch(() => {}))

    it('writes, reads, verification misses, logins and acceptances: 503 with a stable code', async () => {
      const calls: [string, string, unknown?, string?][] = [
        ['POST', '/v1/keys', { name: 'during' }],
        ['GET', '/v1/keys'],
        ['POST', '/v1/keys/verify', { key: generateKey() }],
        ['POST', '/v1/organizations', { name: 'during', handle: 'during' }],
        ['GET', '/v1/audit'],
        ['POST', '/v1/invitations/accept', { token: invitation, password: 'a-long-password-1' }, 'none'],
        ['POST', '/v1/auth/login', { email: 'admin@example.com', password: 'whatever-it-is' }, 'none'],
      ]
      const restore = await databaseOutage(s)
      try {
        const seen: string[] = []
        for (const [method, path, body, auth] of calls) {
          const r = await s.request(method, path, { token: auth === 'none' ? undefined : admin, body })
          seen.push(`${method} ${path} -> ${r.status} ${r.body?.error?.code ?? r.text.slice(0, 80)}`)
        }
        const wrong = seen.filter((l) => !l.includes('-> 503 unavailable'))
        assert.deepEqual(wrong, [], `not 503 unavailable:\n${seen.join('\n')}`)
        // A key-opened Realm session's refresh: an outage is not a logout (realm-web logs out on a 401).
        const refresh = await s.request('POST', `${REALM}/auth/session`, { token: realm })
        assert.equal(refresh.status, 503, refresh.text)
        assert.equal(refresh.body.error_code, 'ServiceUnavailable')
      } finally {
        await restore?.()
      }
    })
  })
}

describe('SQLite: another process holding the write lock past the busy timeout is a 503, not a 500', () => {
  let s: TestServer
  let admin: string
  before(async () => {
    s = await TestServer.start('sqlite')
    admin = await s.adminToken()
  })
  after(() => s.close().catch(() => {}))

  it("a key created while an operator's sqlite3 shell holds the lock: 503 unavailable with Retry-After, then 201", async () => {
    const other = new Database(s.config.databaseUrl.slice('sqlite:'.length))
    other.exec('begin immediate')
    try {
      const r = await s.request('POST', '/v1/keys', { token: admin, body: { name: 'locked-out' } })
      assert.equal(r.status, 503, r.text)
      assert.equal(r.body.error.code, 'unavailable')
      assert.equal(r.headers['retry-after'], '1')
    } finally {
      other.exec('rollback')
      other.close()
    }
    assert.equal((await s.request('POST', '/v1/keys', { token: admin, body: { name: 'after' } })).status, 201)
  })
})
