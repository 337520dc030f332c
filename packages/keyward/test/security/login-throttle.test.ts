import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ADMIN, STORES, TestServer } from '../helpers.js'

/** The four password logins, each a function of (login name, password) → a request. */
const LOGINS: Record<string, (login: string, password: string) => { url: string; body: unknown }> = {
  native: (email, password) => ({ url: '/v1/auth/login', body: { email, password } }),
  balena: (username, password) => ({ url: '/login_', body: { username, password } }),
  realm: (username, password) => ({
    url: '/api/client/v2.0/app/any-app/auth/providers/local-userpass/login',
    body: { username, password },
  }),
  fluxbase: (email, password) => ({ url: '/api/v1/auth/signin', body: { email, password } }),
}

/** One login attempt from a given client address. */
async function attempt(s: TestServer, face: string, login: string, password: string, ip: string): Promise<number> {
  const { url, body } = LOGINS[face]!(login, password)
  const r = await s.kw.app.inject({
    method: 'POST',
    url,
    remoteAddress: ip,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  })
  return r.statusCode
}

const count = (statuses: number[], status: number) => statuses.filter((x) => x === status).length

for (const kind of STORES) {
  describe(`login throttling cannot be raced, spoofed or turned against a victim (${kind})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(kind)
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('25 parallel wrong passwords for one account from one IP: at most 10 are checked, the rest are 429', async () => {
      await s.member('raced', admin)
      const statuses = await Promise.all(
        Array.from({ length: 25 }, (_, i) => attempt(s, 'native', 'raced@example.com', `wrong-${i}`, '198.51.100.1')),
      )
      assert.equal(count(statuses, 401), 10, `statuses: ${statuses.join(' ')}`)
      assert.equal(count(statuses, 429), 15)
    })

    it('counts the account, whether the login names its email or its username, and on every login face', async () => {
      await s.member('twonames', admin)
      const statuses: number[] = []
      for (const [i, face] of [
        'native',
        'balena',
        'realm',
        'fluxbase',
        'native',
        'balena',
        'realm',
        'fluxbase',
        'native',
        'realm',
      ].entries()) {
        statuses.push(await attempt(s, face, i % 2 ? 'TWONAMES' : 'twonames@example.com', 'wrong', '198.51.100.2'))
      }
      assert.deepEqual(statuses, Array(10).fill(401))
      for (const face of Object.keys(LOGINS)) {
        assert.equal(
          await attempt(s, face, 'twonames', 'twonames-password-1', '198.51.100.2'),
          429,
          `${face}: the 11th attempt, even with the right password`,
        )
      }
    })

    it('an attacker guessing from one IP does not lock the victim out of their own IP', async () => {
      await s.member('victim', admin)
      for (let i = 0; i < 12; i++) await attempt(s, 'native', 'victim@example.com', `guess-${i}`, '203.0.113.66')
      assert.equal(await attempt(s, 'native', 'victim@example.com', 'guess-x', '203.0.113.66'), 429)
      for (const face of Object.keys(LOGINS))
        assert.equal(await attempt(s, face, 'victim@example.com', 'victim-password-1', '192.0.2.10'), 200, face)
    })

    it('a spray over many accounts from one IP is cut off per IP', async () => {
      const statuses: number[] = []
      for (let i = 0; i < 35; i++)
        statuses.push(await attempt(s, 'native', `nobody-${i}@example.com`, 'wrong', '198.51.100.3'))
      assert.equal(count(statuses, 401), 30)
      assert.equal(statuses.at(-1), 429)
    })

    it('many IPs against one account slow down to one attempt per interval, without a hard lock for everyone', async () => {
      await s.member('popular', admin)
      const statuses: number[] = []
      for (let i = 0; i < 60; i++)
        statuses.push(await attempt(s, 'native', 'popular@example.com', 'wrong', `10.9.${i >> 4}.${i & 15}`))
      assert.equal(count(statuses, 401), 51, 'the first 50 failures over all IPs, then one per backoff interval')
      assert.ok(statuses.slice(51).every((x) => x === 429))
      assert.equal(
        (
          await s.request('POST', '/v1/auth/login', {
            body: { email: 'popular@example.com', password: 'popular-password-1' },
          })
        ).status,
        429,
        'the slow lane is shared: the attacker just spent it',
      )
    })

    it('a successful login clears its own (account, IP) failures', async () => {
      await s.member('forgetful', admin)
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 9; i++)
          assert.equal(await attempt(s, 'native', 'forgetful@example.com', 'oops', '198.51.100.4'), 401)
        assert.equal(await attempt(s, 'native', 'forgetful@example.com', 'forgetful-password-1', '198.51.100.4'), 200)
      }
      assert.equal(await attempt(s, 'native', ADMIN.email, ADMIN.password, '198.51.100.4'), 200)
    })
  })
}
