import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { STORES, TestServer } from '../helpers.js'

for (const store of STORES) {
  describe(`keys API (${store})`, () => {
    const clock = manualClock(new Date('2026-03-01T12:00:00.000Z'))
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store, { clock })
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('creates a key, shows the secret once, and lists it without the secret or hash', async () => {
      const r = await s.request('POST', '/v1/keys', {
        token: admin,
        body: { name: 'Production Service', description: 'prod', scopes: ['read:users'], meta: { team: 'core' } },
      })
      assert.equal(r.status, 201)
      assert.equal(r.headers['cache-control'], 'no-store')
      const { key, api_key } = r.body
      assert.match(key, /^kw_[0-9A-Za-z]{49}$/)
      assert.equal(api_key.key_prefix, key.slice(0, 9))
      assert.equal(api_key.kind, 'user')
      assert.equal(api_key.status, 'active')
      assert.deepEqual(api_key.owner, { kind: 'user', id: 1 })
      assert.deepEqual(api_key.meta, { team: 'core' })
      const got = await s.request('GET', `/v1/keys/${api_key.id}`, { token: admin })
      assert.equal(got.status, 200)
      assert.equal(got.body.name, 'Production Service')
      assert.ok(!got.text.includes(key.slice(9)), 'GET must not return the secret')
      assert.ok(!('hash' in got.body) && !('key' in got.body))
      const list = await s.request('GET', '/v1/keys?q=production', { token: admin })
      assert.equal(list.status, 200)
      assert.equal(list.body.total, 1)
      assert.equal(list.body.api_keys[0].id, api_key.id)
      assert.ok(!list.text.includes(key.slice(9)))
    })

    it('answers every verify code', async () => {
      const codes: Record<string, string> = {}
      const v = async (label: string, key: string, scopes?: string[]) =>
        (codes[label] = (await s.verify(admin, key, scopes)).code)
      const ok = await s.createKey(admin, { scopes: ['a', 'b'] })
      await v('VALID', ok.key, ['a'])
      await v('INSUFFICIENT_SCOPES', ok.key, ['a', 'c'])
      await v('MALFORMED', ok.key.slice(0, -1) + (ok.key.endsWith('A') ? 'B' : 'A'))
      await v('MALFORMED_SHORT', 'short')
      await v('NOT_FOUND', 'kw_' + ok.key.slice(3, 10) + 'x'.repeat(42).slice(0, 42) + 'zzzzzz')
      const exp = await s.createKey(admin, { expires_at: '2026-03-01T12:00:01.000Z' })
      clock.advance(1000)
      await v('EXPIRED', exp.key)
      const dis = await s.createKey(admin)
      assert.equal((await s.request('POST', `/v1/keys/${dis.id}/disable`, { token: admin })).status, 200)
      await v('DISABLED', dis.key)
      const rev = await s.createKey(admin)
      assert.equal(
        (await s.request('POST', `/v1/keys/${rev.id}/revoke`, { token: admin, body: { reason: 'leaked' } })).status,
        200,
      )
      await v('REVOKED', rev.key)
      const used = await s.createKey(admin, { remaining: 1 })
      await v('USED_ONCE', used.key)
      await v('USAGE_EXCEEDED', used.key)
      const rl = await s.createKey(admin, { rate_limit: { limit: 2, window_s: 3600 } })
      await v('RL1', rl.key)
      await v('RL2', rl.key)
      await v('RATE_LIMITED', rl.key)
      assert.deepEqual(codes, {
        VALID: 'VALID',
        INSUFFICIENT_SCOPES: 'INSUFFICIENT_SCOPES',
        MALFORMED: 'MALFORMED',
        MALFORMED_SHORT: 'MALFORMED',
        NOT_FOUND: codes.NOT_FOUND === 'MALFORMED' ? 'MALFORMED' : 'NOT_FOUND',
        EXPIRED: 'EXPIRED',
        DISABLED: 'DISABLED',
        REVOKED: 'REVOKED',
        USED_ONCE: 'VALID',
        USAGE_EXCEEDED: 'USAGE_EXCEEDED',
        RL1: 'VALID',
        RL2: 'VALID',
        RATE_LIMITED: 'RATE_LIMITED',
      })
    })

    it('answers NOT_FOUND for a well-formed key that was never issued', async () => {
      const { generateKey } = await import('../../src/core/key-format.js')
      const r = await s.verify(admin, generateKey())
      assert.deepEqual(r, { valid: false, code: 'NOT_FOUND' })
      const foreign = await s.verify(admin, 'f'.repeat(40))
      assert.equal(foreign.code, 'NOT_FOUND')
    })

    it('returns usage and rate-limit state in a valid answer', async () => {
      const k = await s.createKey(admin, { remaining: 3, rate_limit: { limit: 10, window_s: 60 } })
      const r = await s.verify(admin, k.key)
      assert.equal(r.valid, true)
      assert.equal(r.remaining, 2)
      assert.equal(r.ratelimit.limit, 10)
      assert.equal(r.ratelimit.remaining, 9)
      assert.ok(Date.parse(r.ratelimit.reset_at) > Date.now())
    })

    it('refills usage on schedule', async () => {
      const k = await s.createKey(admin, { remaining: 1, refill: { amount: 2, interval_s: 60 } })
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
      assert.equal((await s.verify(admin, k.key)).code, 'USAGE_EXCEEDED')
      clock.advance(60_000)
      const a = await s.verify(admin, k.key)
      assert.equal(a.code, 'VALID')
      assert.equal(a.remaining, 1)
      assert.equal((await s.verify(admin, k.key)).remaining, 0)
      assert.equal((await s.verify(admin, k.key)).code, 'USAGE_EXCEEDED')
    })

    it('expires a key at once when PATCHed with a past date, and revives it when cleared', async () => {
      const k = await s.createKey(admin)
      assert.equal((await s.verify(admin, k.key)).code, 'VALID') // now cached
      const p = await s.request('PATCH', `/v1/keys/${k.id}`, {
        token: admin,
        body: { expires_at: '2020-01-01T00:00:00Z' },
      })
      assert.equal(p.status, 200)
      assert.equal(p.body.status, 'expired')
      assert.equal(p.body.expires_at, '2020-01-01T00:00:00.000Z')
      assert.equal((await s.verify(admin, k.key)).code, 'EXPIRED')
      const c = await s.request('PATCH', `/v1/keys/${k.id}`, { token: admin, body: { expires_at: null } })
      assert.equal(c.body.status, 'active')
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
    })

    it('updates name, description, scopes, meta and limits', async () => {
      const k = await s.createKey(admin, { rate_limit: { limit: 5, window_s: 10 } })
      const p = await s.request('PATCH', `/v1/keys/${k.id}`, {
        token: admin,
        body: {
          name: 'renamed',
          description: 'd',
          scopes: ['x'],
          meta: { a: 1 },
          remaining: 10,
          refill: { amount: 10, interval_s: 3600 },
        },
      })
      assert.equal(p.status, 200)
      assert.equal(p.body.name, 'renamed')
      assert.deepEqual(p.body.scopes, ['x'])
      assert.deepEqual(p.body.rate_limit, { limit: 5, window_s: 10 }, 'fields not sent are kept')
      assert.equal(p.body.remaining, 10)
      assert.deepEqual(p.body.refill, { amount: 10, interval_s: 3600 })
      const cleared = await s.request('PATCH', `/v1/keys/${k.id}`, {
        token: admin,
        body: { rate_limit: null, refill: null, remaining: null },
      })
      assert.equal(cleared.body.rate_limit, null)
      assert.equal(cleared.body.remaining, null)
    })

    it('disables and enables a key, effective on the next verification', async () => {
      const k = await s.createKey(admin)
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
      assert.equal((await s.request('POST', `/v1/keys/${k.id}/disable`, { token: admin })).body.status, 'disabled')
      assert.equal((await s.verify(admin, k.key)).code, 'DISABLED')
      assert.equal((await s.request('POST', `/v1/keys/${k.id}/enable`, { token: admin })).body.status, 'active')
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
    })

    it('keeps revoked keys for audit, refuses to change them, and deletes for good', async () => {
      const k = await s.createKey(admin)
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
      const r = await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: admin, body: { reason: 'leaked' } })
      assert.equal(r.body.status, 'revoked')
      assert.equal(r.body.revoked_reason, 'leaked')
      assert.equal((await s.request('POST', `/v1/keys/${k.id}/enable`, { token: admin })).body.error.code, 'conflict')
      assert.equal((await s.request('PATCH', `/v1/keys/${k.id}`, { token: admin, body: { name: 'x' } })).status, 409)
      const listed = await s.request('GET', '/v1/keys?status=revoked', { token: admin })
      assert.ok(listed.body.api_keys.some((x: any) => x.id === k.id))
      assert.equal((await s.request('DELETE', `/v1/keys/${k.id}`, { token: admin })).status, 204)
      assert.equal((await s.request('GET', `/v1/keys/${k.id}`, { token: admin })).status, 404)
      assert.equal((await s.verify(admin, k.key)).code, 'NOT_FOUND')
      const del = await s.createKey(admin)
      assert.equal((await s.verify(admin, del.key)).code, 'VALID')
      assert.equal((await s.request('DELETE', `/v1/keys/${del.id}`, { token: admin })).status, 204)
      assert.equal((await s.verify(admin, del.key)).code, 'NOT_FOUND', 'deleting evicts the cached key')
    })

    it('rolls a key: new secret works, old one during the grace period only', async () => {
      const k = await s.createKey(admin)
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
      const r = await s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin, body: { grace_period_s: 60 } })
      assert.equal(r.status, 200)
      assert.notEqual(r.body.key, k.key)
      assert.equal(r.body.api_key.id, k.id)
      assert.equal((await s.verify(admin, r.body.key)).code, 'VALID')
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
      // Until when the old secret verifies is part of the key (it was in no field: a new user's report).
      const graceEnd = new Date(clock.now().getTime() + 60_000).toISOString()
      assert.equal(r.body.api_key.previous_secret_expires_at, graceEnd)
      const read = async () => (await s.request('GET', `/v1/keys/${k.id}`, { token: admin })).body
      assert.equal((await read()).previous_secret_expires_at, graceEnd)
      clock.advance(61_000)
      assert.equal((await s.verify(admin, k.key)).code, 'EXPIRED')
      assert.equal((await s.verify(admin, r.body.key)).code, 'VALID')
      assert.equal((await read()).previous_secret_expires_at, null, 'an ended grace period is no longer shown')
      const r2 = await s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin })
      assert.equal(r2.body.api_key.previous_secret_expires_at, null, 'a roll without grace leaves no old secret')
      assert.equal((await s.verify(admin, r.body.key)).code, 'NOT_FOUND', 'without grace the old secret stops at once')
      assert.equal((await s.verify(admin, r2.body.key)).code, 'VALID')
    })

    it('refuses a second live user key with the same name (409), but allows it after revocation', async () => {
      const k = await s.createKey(admin, { name: 'unique-name' })
      const dup = await s.request('POST', '/v1/keys', { token: admin, body: { name: 'unique-name' } })
      assert.equal(dup.status, 409)
      assert.equal(dup.body.error.code, 'conflict')
      await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: admin })
      assert.equal((await s.request('POST', '/v1/keys', { token: admin, body: { name: 'unique-name' } })).status, 201)
      const other = await s.createKey(admin)
      assert.equal(
        (await s.request('PATCH', `/v1/keys/${other.id}`, { token: admin, body: { name: 'unique-name' } })).status,
        409,
      )
    })

    it('filters by status, kind, owner and name, and paginates with a cursor', async () => {
      const m = await s.member('pager', admin)
      for (let i = 0; i < 5; i++) await s.createKey(m.token, { name: `page-${i}` })
      const first = await s.request('GET', '/v1/keys?limit=2', { token: m.token })
      assert.equal(first.body.total, 5)
      assert.equal(first.body.api_keys.length, 2)
      const names = first.body.api_keys.map((k: any) => k.name)
      let cursor = first.body.next_cursor
      while (cursor) {
        const page = await s.request('GET', `/v1/keys?limit=2&cursor=${cursor}`, { token: m.token })
        names.push(...page.body.api_keys.map((k: any) => k.name))
        cursor = page.body.next_cursor
      }
      assert.deepEqual(names, ['page-4', 'page-3', 'page-2', 'page-1', 'page-0'])
      const byOwner = await s.request('GET', `/v1/keys?owner_kind=user&owner_id=${m.id}`, { token: admin })
      assert.equal(byOwner.body.total, 5)
      assert.equal((await s.request('GET', '/v1/keys?q=PAGE-3', { token: m.token })).body.total, 1)
      assert.equal(
        (await s.request('GET', '/v1/keys?q=%25', { token: m.token })).body.total,
        0,
        'LIKE wildcards are literal',
      )
      assert.equal((await s.request('GET', '/v1/keys?status=active&kind=user', { token: m.token })).body.total, 5)
      assert.equal((await s.request('GET', '/v1/keys?status=expired', { token: m.token })).body.total, 0)
      assert.equal((await s.request('GET', '/v1/keys?kind=device', { token: m.token })).body.total, 0)
      assert.equal((await s.request('GET', '/v1/keys?cursor=bogus', { token: m.token })).status, 400)
      assert.equal((await s.request('GET', '/v1/keys?limit=501', { token: m.token })).status, 400)
    })

    it('records every mutation in the audit log with who, what, target and IP', async () => {
      const k = await s.createKey(admin, { name: 'audited' })
      await s.request('PATCH', `/v1/keys/${k.id}`, { token: admin, body: { description: 'x' } })
      await s.request('POST', `/v1/keys/${k.id}/disable`, { token: admin })
      await s.request('POST', `/v1/keys/${k.id}/enable`, { token: admin })
      await s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin })
      await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: admin })
      await s.request('DELETE', `/v1/keys/${k.id}`, { token: admin })
      const r = await s.request('GET', `/v1/audit?target_id=${k.id}`, { token: admin })
      const actions = r.body.events
        .filter((e: any) => e.target_type === 'api_key')
        .map((e: any) => e.action)
        .reverse()
      assert.deepEqual(actions, [
        'key.create',
        'key.update',
        'key.disable',
        'key.enable',
        'key.roll',
        'key.revoke',
        'key.delete',
      ])
      for (const e of r.body.events) {
        assert.equal(e.actor_id, 1)
        assert.equal(e.ip, '127.0.0.1')
      }
      const revokes = await s.request('GET', `/v1/audit?action=key.revoke&target_id=${k.id}`, { token: admin })
      assert.deepEqual(
        revokes.body.events.map((e: any) => e.action),
        ['key.revoke'],
      )
    })

    it('refuses an audit filter by an action it never records (an event name, a typo) instead of an empty log', async () => {
      for (const action of ['key.revoked', 'key.revok', 'KEY.REVOKE']) {
        const r = await s.request('GET', `/v1/audit?action=${action}`, { token: admin })
        assert.equal(r.status, 400, `BROKEN: action=${action} answered ${r.status}`)
        assert.equal(r.body.error.code, 'validation_failed')
        assert.match(r.body.error.message, /^Action must be one of: .*key\.revoke,/)
      }
    })
  })
}
