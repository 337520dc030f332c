import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { ADMIN, STORES, TestServer } from '../helpers.js'

const DAY_MS = 24 * 3600 * 1000

for (const kind of STORES) {
  describe(`sessions and refresh tokens end for good (${kind})`, () => {
    const clock = manualClock(new Date())
    let s: TestServer
    before(async () => {
      s = await TestServer.start(kind, { clock })
    })
    after(() => s.close())

    const count = async (table: 'session' | 'refresh_token') => {
      const r = await s.kw.services.store.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(r.n)
    }
    const fluxSignIn = async () => {
      const r = await s.request('POST', '/api/v1/auth/signin', {
        body: { email: ADMIN.email, password: ADMIN.password },
      })
      assert.equal(r.status, 200, r.text)
      return r.body as { access_token: string; refresh_token: string }
    }

    it('a Fluxbase access token logged out through native /v1/auth/logout cannot be renewed by its refresh token', async () => {
      const flux = await fluxSignIn()
      const out = await s.request('POST', '/v1/auth/logout', { token: flux.access_token })
      assert.equal(out.status, 204, out.text)
      const renewed = await s.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: flux.refresh_token } })
      assert.equal(renewed.status, 401, renewed.text)
      assert.equal(renewed.body.code, 'INVALID_REFRESH_TOKEN')
    })

    it('expired sessions and refresh tokens are deleted by the sweeper, live ones are kept, in bounded batches', async () => {
      await s.kw.services.sweeper.sweep() // start from live rows only
      for (let i = 0; i < 5; i++) await s.adminToken()
      await fluxSignIn()
      const realm = await s.request('POST', '/api/client/v2.0/app/any/auth/providers/local-userpass/login', {
        body: { username: ADMIN.email, password: ADMIN.password },
      })
      assert.equal(realm.status, 200, realm.text)
      const sessionsBefore = await count('session')
      const refreshBefore = await count('refresh_token')
      assert.ok(
        sessionsBefore >= 6 && refreshBefore >= 2,
        `${sessionsBefore} sessions, ${refreshBefore} refresh tokens`,
      )

      assert.deepEqual(
        await s.kw.services.sweeper.sweep(),
        { sessions: 0, refreshTokens: 0, deletionsFinished: 0, deliveries: 0, events: 0, overlapsEnded: 0 },
        'nothing has expired yet',
      )
      clock.advance(2 * DAY_MS) // sessions (1 day) are dead; refresh tokens (30 and 60 days) live
      const live = await s.adminToken()
      const first = await s.kw.services.sweeper.sweep(2) // batches of 2 still drain everything
      assert.equal(first.sessions, sessionsBefore)
      assert.equal(first.refreshTokens, 0)
      assert.equal(await count('session'), 1)
      assert.equal(
        (await s.request('GET', '/v1/auth/whoami', { token: live })).status,
        200,
        'the live session still works',
      )

      clock.advance(90 * DAY_MS)
      const second = await s.kw.services.sweeper.sweep()
      assert.equal(second.refreshTokens, refreshBefore)
      assert.equal(await count('refresh_token'), 0)
      assert.equal(await count('session'), 0)
    })
  })
}
