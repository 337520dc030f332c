import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { STORES, TestServer } from '../helpers.js'
import { usageRows } from './fillers.js'

for (const store of STORES) {
  describe(`verification usage per day (${store})`, () => {
    const clock = manualClock(new Date('2026-03-01T23:59:00.000Z'))
    let s: TestServer
    let admin: string
    const errors: unknown[] = []
    const rows = (keyId: number) => usageRows(s, keyId)
    const usage = async (token: string, keyId: number, days?: number) =>
      s.request('GET', `/v1/keys/${keyId}/usage${days === undefined ? '' : `?days=${days}`}`, { token })

    before(async () => {
      // A flush interval far longer than the tests: only explicit flushes (and shutdown) write.
      s = await TestServer.start(store, { clock, env: { KEYWARD_USAGE_FLUSH_MS: '60000' } })
      s.kw.services.setErrorHandler((e) => errors.push(e))
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('counts valid and refused verifications per UTC day, batched off the request path', async () => {
      clock.set(new Date('2026-03-01T23:59:00.000Z'))
      const k = await s.createKey(admin, { scopes: [] })
      for (let i = 0; i < 3; i++) assert.equal((await s.verify(admin, k.key)).code, 'VALID')
      assert.equal((await s.verify(admin, k.key, ['keys:read'])).code, 'INSUFFICIENT_SCOPES')
      await s.request('POST', `/v1/keys/${k.id}/disable`, { token: admin })
      for (let i = 0; i < 2; i++) assert.equal((await s.verify(admin, k.key)).code, 'DISABLED')
      assert.deepEqual(await rows(k.id), [], 'nothing written on the request path')
      assert.deepEqual(
        (await usage(admin, k.id, 2)).body.days.map((d: { valid: number; refused: number }) => d.valid + d.refused),
        [0, 0],
      )

      // Past midnight UTC: the next verifications count for the next day.
      clock.set(new Date('2026-03-02T00:00:00.000Z'))
      await s.request('POST', `/v1/keys/${k.id}/enable`, { token: admin })
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
      await s.kw.services.usage.flush()
      assert.deepEqual(await rows(k.id), [
        { day: '2026-03-01', code: 'DISABLED', count: 2 },
        { day: '2026-03-01', code: 'INSUFFICIENT_SCOPES', count: 1 },
        { day: '2026-03-01', code: 'VALID', count: 3 },
        { day: '2026-03-02', code: 'VALID', count: 1 },
      ])

      const r = await usage(admin, k.id, 3)
      assert.equal(r.status, 200)
      assert.deepEqual(r.body, {
        days: [
          { date: '2026-02-28', valid: 0, refused: 0, by_code: {} },
          { date: '2026-03-01', valid: 3, refused: 3, by_code: { DISABLED: 2, INSUFFICIENT_SCOPES: 1 } },
          { date: '2026-03-02', valid: 1, refused: 0, by_code: {} },
        ],
      })
      // The next batch adds to the same rows: still one row per (key, day, outcome).
      for (let i = 0; i < 4; i++) await s.verify(admin, k.key)
      await s.kw.services.usage.flush()
      assert.deepEqual(
        (await rows(k.id)).filter((x) => x.day === '2026-03-02'),
        [{ day: '2026-03-02', code: 'VALID', count: 5 }],
      )
      assert.deepEqual(errors, [])
    })

    it('answers 30 zero-filled days by default, today last, and refuses a bad range', async () => {
      clock.set(new Date('2026-03-02T12:00:00.000Z'))
      const k = await s.createKey(admin)
      const r = await usage(admin, k.id)
      assert.equal(r.status, 200)
      assert.equal(r.body.days.length, 30)
      assert.equal(r.body.days[0].date, '2026-02-01')
      assert.equal(r.body.days[29].date, '2026-03-02')
      assert.ok(r.body.days.every((d: { valid: number; refused: number }) => d.valid === 0 && d.refused === 0))
      for (const bad of ['0', '367', 'x', '1.5']) {
        const b = await s.request('GET', `/v1/keys/${k.id}/usage?days=${bad}`, { token: admin })
        assert.equal(b.status, 400, bad)
        assert.equal(b.body.error.code, 'validation_failed')
      }
    })

    it('is described in the OpenAPI document, with the sort parameters of the key list', async () => {
      const doc = (await s.request('GET', '/openapi.json')).body
      const op = doc.paths['/v1/keys/{id}/usage'].get
      assert.deepEqual(op.parameters.map((p: { name: string }) => p.name).sort(), ['days', 'id'])
      const body = op.responses['200'].content['application/json'].schema
      assert.deepEqual(Object.keys(body.properties.days.items.properties).sort(), [
        'by_code',
        'date',
        'refused',
        'valid',
      ])
      const list = doc.paths['/v1/keys'].get.parameters.map((p: { name: string }) => p.name)
      assert.ok(list.includes('sort') && list.includes('order'), list.join(','))
    })

    it('counts nothing for secrets that match no key', async () => {
      const before = await s.kw.services.store.db
        .selectFrom('key_usage')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
      await s.verify(admin, 'kw_' + 'A'.repeat(49))
      await s.verify(admin, 'not-a-key')
      await s.kw.services.usage.flush()
      const after = await s.kw.services.store.db
        .selectFrom('key_usage')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
      assert.equal(Number(after.n), Number(before.n))
    })

    it("answers 404 for another member's key, as GET /v1/keys/:id does", async () => {
      const alice = await s.member('usage-alice', admin)
      const bob = await s.member('usage-bob', admin)
      const k = await s.createKey(alice.token)
      assert.equal((await usage(alice.token, k.id)).status, 200)
      assert.equal((await usage(admin, k.id)).status, 200)
      const other = await usage(bob.token, k.id)
      assert.equal(other.status, 404)
      assert.equal(
        other.body.error.code,
        (await s.request('GET', `/v1/keys/${k.id}`, { token: bob.token })).body.error.code,
      )
      assert.equal((await usage(bob.token, 999_999)).status, 404)
    })

    it('deletes the rows of a deleted key, and skips counts of a key deleted before the flush', async () => {
      const k = await s.createKey(admin)
      await s.verify(admin, k.key)
      await s.kw.services.usage.flush()
      assert.equal((await rows(k.id)).length, 1)
      await s.verify(admin, k.key)
      assert.equal((await s.request('DELETE', `/v1/keys/${k.id}`, { token: admin })).status, 204)
      assert.deepEqual(await rows(k.id), [])
      await s.kw.services.usage.flush()
      assert.deepEqual(await rows(k.id), [], 'a pending count of a deleted key is not written')
      assert.deepEqual(errors, [], 'and does not fail the batch')
    })
  })

  describe(`verification usage on shutdown (${store})`, () => {
    it('writes pending counters when the server stops', async () => {
      const s = await TestServer.start(store, { env: { KEYWARD_USAGE_FLUSH_MS: '60000' } })
      const admin = await s.adminToken()
      const k = await s.createKey(admin)
      await s.verify(admin, k.key)
      await s.verify(admin, 'kw_' + k.key.slice(3, -1) + (k.key.endsWith('A') ? 'B' : 'A')) // bad checksum: no key
      const count = async () =>
        (await s.kw.services.store.db.selectFrom('key_usage').select('count').where('key_id', '=', k.id).execute()).map(
          (r) => Number(r.count),
        )
      assert.deepEqual(await count(), [])
      await s.kw.services.usage.stop()
      assert.deepEqual(await count(), [1])
      await s.close()
    })
  })
}
