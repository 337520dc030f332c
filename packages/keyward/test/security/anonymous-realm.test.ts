import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import * as Realm from 'realm-web'
import { manualClock } from '../../src/core/clock.js'
import { STORES, TestServer } from '../helpers.js'

const LOGIN = '/api/client/v2.0/app/a/auth/providers/anon-user/login'

for (const store of STORES) {
  describe(`anonymous Realm logins are off by default, throttled and short-lived (finding 6, ${store})`, () => {
    const servers: TestServer[] = []
    after(() => Promise.all(servers.map((s) => s.close())))
    const start = async (env: Record<string, string> = {}, clock = manualClock(new Date())) => {
      const s = await TestServer.start(store, { clock, env })
      servers.push(s)
      return s
    }
    const rows = async (s: TestServer) => ({
      tokens: (await s.kw.services.store.db.selectFrom('refresh_token').select('id').execute()).length,
      audit: (
        await s.kw.services.store.db
          .selectFrom('audit_event')
          .select('id')
          .where('action', '=', 'auth.realm_login')
          .execute()
      ).length,
    })

    it('without KEYWARD_REALM_ANONYMOUS, anonymous logins are refused (403) and write nothing', async () => {
      const s = await start()
      for (let i = 0; i < 5; i++) {
        const r = await s.request('POST', LOGIN, { body: {} })
        assert.equal(r.status, 403, r.text)
        assert.equal(r.body.error_code, 'Forbidden')
      }
      assert.deepEqual(await rows(s), { tokens: 0, audit: 0 })
    })

    it('with the flag, one IP gets a bounded number of anonymous sessions; each lives an hour, not 60 days', async () => {
      const clock = manualClock(new Date())
      const s = await start({ KEYWARD_REALM_ANONYMOUS: '1' }, clock)
      const statuses: number[] = []
      for (let i = 0; i < 40; i++) statuses.push((await s.request('POST', LOGIN, { body: {} })).status)
      assert.ok(
        statuses.slice(0, 10).every((x) => x === 200),
        statuses.join(),
      )
      assert.ok(
        statuses.slice(20).every((x) => x === 429),
        'throttled per IP',
      )
      assert.ok((await rows(s)).tokens <= 20)
      const row = await s.kw.services.store.db
        .selectFrom('refresh_token')
        .selectAll()
        .where('provider', '=', 'anon-user')
        .executeTakeFirstOrThrow()
      assert.ok(
        Date.parse(row.expires_at) - Date.parse(row.created_at) <= 3600_000,
        'an anonymous refresh token lives at most an hour',
      )
    })

    it('with the flag, the real realm-web client logs in anonymously, and its session ends after an hour', async () => {
      const clock = manualClock(new Date())
      const s = await start({ KEYWARD_REALM_ANONYMOUS: '1' }, clock)
      const url = await s.listen()
      const user = await new Realm.App({ id: `anon-${store}`, baseUrl: url }).logIn(Realm.Credentials.anonymous())
      assert.equal(user.providerType, 'anon-user')
      clock.advance(3600_000 + 1000)
      const r = await fetch(`${url}/api/client/v2.0/auth/session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.refreshToken}` },
      })
      assert.equal(r.status, 401)
    })
  })
}
