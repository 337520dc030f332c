import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

/** A secret in another system's format (Unkey-like), long enough to be looked up by hash. */
const foreign = () => `uk_${randomBytes(24).toString('base64url')}`
const sha = (s: string, enc: 'hex' | 'base64') => createHash('sha256').update(s).digest(enc)

for (const store of STORES) {
  describe(`POST /v1/keys/import (${store})`, () => {
    let s: TestServer
    let admin: string
    const importKeys = (body: unknown, token = admin) => s.request('POST', '/v1/keys/import', { token, body })
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('imports by plaintext, hex and base64 hash; each verifies by the by-hash path; plaintext is never answered', async () => {
      const [a, b, c] = [foreign(), foreign(), foreign()]
      const r = await importKeys({
        keys: [
          { plaintext: a, name: 'imp-a', scopes: ['read:x'], external_id: 'ext-a' },
          { hash: { value: sha(b, 'hex'), variant: 'sha256_hex' }, key_prefix: 'uk_', external_id: 'ext-b' },
          { hash: { value: sha(c, 'base64'), variant: 'sha256_base64' }, meta: { plan: 'pro' }, enabled: false },
        ],
      })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.imported, 3)
      assert.ok(!r.text.includes(a))
      assert.equal((await s.verify(admin, a, ['read:x'])).code, 'VALID')
      assert.equal((await s.verify(admin, b)).code, 'VALID')
      assert.equal((await s.verify(admin, c)).code, 'DISABLED')
      const got = await s.request('GET', `/v1/keys/${r.body.keys[1].id}`, { token: admin })
      assert.equal(got.body.key_prefix, 'uk_')
      const audit = await s.request('GET', '/v1/audit?action=key.import', { token: admin })
      assert.equal(audit.body.events[0].details.imported, 3)
      assert.ok(!audit.text.includes(a))
      // Each key's own history starts with its import (it was empty: the call's entry names no key).
      const history = await s.request('GET', `/v1/audit?target_type=api_key&target_id=${r.body.keys[0].id}`, {
        token: admin,
      })
      assert.deepEqual(
        history.body.events.map((e: any) => [e.action, e.details.external_id]),
        [['key.import', 'ext-a']],
      )
      assert.ok(!history.text.includes(a))
    })

    it('is idempotent on external_id: running it again changes nothing', async () => {
      const secret = foreign()
      const body = { keys: [{ plaintext: secret, name: 'idem', external_id: 'idem-1', remaining: 5 }] }
      const first = await importKeys(body)
      assert.equal(first.body.imported, 1)
      await s.verify(admin, secret) // takes one use
      const again = await importKeys(body)
      assert.deepEqual(again.body, {
        imported: 0,
        unchanged: 1,
        keys: [{ index: 0, id: first.body.keys[0].id, status: 'unchanged' }],
        notes: [],
      })
      const k = await s.request('GET', `/v1/keys/${first.body.keys[0].id}`, { token: admin })
      assert.equal(k.body.remaining, 4, 'the re-run did not reset the key')
    })

    it('is all or nothing: one bad key refuses the call with a 400 naming it, and nothing is stored', async () => {
      const before = (await s.request('GET', '/v1/keys', { token: admin })).body.total
      const bad: [unknown, string][] = [
        [{ hash: { value: 'not-base64', variant: 'sha256_base64' } }, 'keys[1].hash.value'],
        [{ hash: { value: sha('x', 'base64'), variant: 'sha256_hex' } }, 'keys[1].hash.value'],
        [{ plaintext: 'short' }, 'keys[1].plaintext'],
        [{}, 'keys[1]'],
        [{ plaintext: foreign(), restrictions: { ip_allow: ['nope'] } }, 'keys[1].restrictions.ip_allow[0]'],
      ]
      for (const [item, field] of bad) {
        const r = await importKeys({ keys: [{ plaintext: foreign() }, item] })
        assert.equal(r.status, 400, r.text)
        assert.equal(r.body.error.code, 'validation_failed')
        assert.equal(r.body.error.details[0].field, field)
      }
      // Neither plaintext nor hash is told as missing, not as "not both" (a new user's find).
      const neither = await importKeys({ keys: [{ name: 'no-key' }] })
      assert.match(neither.body.error.details[0].message, /give the key: its plaintext or its hash/)
      const both = await importKeys({
        keys: [{ plaintext: foreign(), hash: { value: sha('y', 'hex'), variant: 'sha256_hex' } }],
      })
      assert.match(both.body.error.details[0].message, /not both/)
      const twice = foreign()
      assert.equal((await importKeys({ keys: [{ plaintext: twice }, { plaintext: twice }] })).status, 400)
      const many = Array.from({ length: 1001 }, () => ({ plaintext: foreign() }))
      assert.equal((await importKeys({ keys: many })).status, 400)
      // Another owner's secret (re-importing one's own is "unchanged": test/attack/import-oracle.test.ts).
      const existing = await s.createKey((await s.member('import-other', admin)).token)
      const clash = await importKeys({ keys: [{ plaintext: foreign() }, { plaintext: existing.key }] })
      assert.equal(clash.status, 409, clash.text)
      assert.equal(clash.body.error.details[0].field, 'keys[1]')
      assert.equal(
        (await s.request('GET', '/v1/keys', { token: admin })).body.total,
        before + 1,
        'only createKey added one',
      )
    })

    it("refuses a name taken by a live key of the owner (naming the item); a revoked key's name is free", async () => {
      const first = await importKeys({ keys: [{ plaintext: foreign(), name: 'taken-once' }] })
      assert.equal(first.status, 200, first.text)
      const clash = await importKeys({
        keys: [
          { plaintext: foreign(), name: 'free-name' },
          { plaintext: foreign(), name: 'taken-once' },
        ],
      })
      assert.equal(clash.status, 409, clash.text)
      assert.deepEqual(clash.body.error.details, { field: 'name', index: 1 })
      const id = first.body.keys[0].id
      const revoked = await s.request('POST', `/v1/keys/${id}/revoke`, { token: admin, body: { reason: 'test' } })
      assert.equal(revoked.status, 200, revoked.text)
      const again = await importKeys({ keys: [{ plaintext: foreign(), name: 'taken-once' }] })
      assert.equal(again.status, 200, again.text)
      assert.equal(again.body.imported, 1)
    })

    it("accepts Unkey's migrateKeys body as is", async () => {
      const secret = foreign()
      const r = await importKeys({
        migrationId: 'acme_migration',
        apiId: 'api_123456789',
        keys: [
          {
            hash: sha(secret, 'base64'),
            name: 'from unkey',
            externalId: 'user_1234abcd',
            meta: { plan: 'enterprise' },
            permissions: ['documents.read'],
            roles: ['billing_reader'],
            credits: { remaining: 10, refill: { interval: 'daily', amount: 10 } },
            ratelimits: [
              { name: 'requests', limit: 100, duration: 60000, autoApply: true },
              { name: 'heavy.exports', limit: 2, duration: 1500, autoApply: false },
              { name: 'unsaid', limit: 50, duration: 1000 },
            ],
          },
        ],
      })
      assert.equal(r.status, 200, r.text)
      const v = await s.verify(admin, secret, ['documents.read', 'billing_reader'])
      assert.equal(v.code, 'VALID')
      assert.deepEqual(v.meta, { plan: 'enterprise' })
      assert.equal(v.remaining, 9)
      const k = (await s.request('GET', `/v1/keys/${r.body.keys[0].id}`, { token: admin })).body
      // Every Unkey limit, name for name (only the first was kept, as the default limit, before).
      assert.deepEqual(k.ratelimits, [
        { name: 'heavy.exports', limit: 2, window_s: 2, auto_apply: false },
        { name: 'requests', limit: 100, window_s: 60, auto_apply: true },
        { name: 'unsaid', limit: 50, window_s: 1, auto_apply: true },
      ])
      assert.deepEqual(k.refill, { amount: 10, interval_s: 86400 })
      assert.deepEqual(r.body.notes, [
        {
          index: 0,
          field: 'ratelimits[1].duration',
          message: 'a window of 2 s, not 1500 ms: Keyward counts whole seconds',
        },
      ])
      // A limit not auto-applied is checked when a verification names it, as on Unkey.
      const named = async () =>
        (
          await s.request('POST', '/v1/keys/verify', {
            token: admin,
            body: { key: secret, ratelimits: [{ name: 'heavy.exports' }] },
          })
        ).body.code
      assert.deepEqual([await named(), await named(), await named()], ['VALID', 'VALID', 'RATE_LIMITED'])
    })

    it("says where an Unkey key is stored otherwise than its body said: a monthly refill's day (was dropped silently)", async () => {
      const r = await importKeys({
        migrationId: 'notes',
        apiId: 'api_notes',
        keys: [
          { hash: sha(foreign(), 'base64') },
          {
            hash: sha(foreign(), 'base64'),
            credits: { remaining: 5, refill: { interval: 'monthly', amount: 5, refillDay: 15 } },
          },
        ],
      })
      assert.equal(r.status, 200, r.text)
      assert.deepEqual(r.body.notes, [
        {
          index: 1,
          field: 'credits.refill',
          message: 'refilled every 30 days from the import, not on day 15 of each month',
        },
      ])
      const native = await importKeys({ keys: [{ hash: { value: sha(foreign(), 'hex'), variant: 'sha256_hex' } }] })
      assert.deepEqual(native.body.notes, [], 'a native body is stored as it says')
    })

    it("refuses Unkey numbers past Keyward's own bounds with a 400, and stores nothing", async () => {
      // A credit of 2³¹ answered 500 on PostgreSQL; a duration of 10¹⁸ ms was stored and made the
      // key's every verification a 500 (found by an attacker).
      const unkey = (k: Record<string, unknown>) => ({ hash: sha(foreign(), 'base64'), ...k })
      const total = async () => (await s.request('GET', '/v1/keys?limit=1', { token: admin })).body.total as number
      const before = await total()
      const props = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i]))
      const scopes = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`)
      for (const k of [
        // A fuzzer's finds: what `POST /v1/keys` and `PATCH` refuse was imported, and the key
        // could then not be saved with its own values.
        { name: 'n'.repeat(101) },
        { meta: props(51) },
        { permissions: ['has space'] },
        { roles: ['tab\there'] },
        { permissions: scopes(101) },
        { permissions: scopes(60), roles: scopes(60).map((r) => `r${r}`) },
        { credits: { remaining: 2 ** 31 } },
        { credits: { remaining: 1, refill: { interval: 'daily', amount: 1e15 } } },
        { ratelimits: [{ name: 'r', limit: 1e15, duration: 60000 }] },
        { ratelimits: [{ name: 'r', limit: 5, duration: 1e18 }] },
        { ratelimits: [{ name: 'r', limit: 5, duration: 2 ** 53 }] },
        // Named limits as Keyward keeps them: a name it could not be verified by, or more than 16.
        { ratelimits: [{ name: 'has space', limit: 5, duration: 1000 }] },
        { ratelimits: Array.from({ length: 17 }, (_, i) => ({ name: `r${i}`, limit: 5, duration: 1000 })) },
      ]) {
        const r = await importKeys({ migrationId: 'bounds', apiId: 'api_bounds', keys: [unkey(k)] })
        assert.equal(r.status, 400, `${JSON.stringify(k)}: ${r.text}`)
        assert.equal(r.body.error.code, 'validation_failed')
      }
      assert.equal(await total(), before, 'nothing imported')
      // At the bounds: stored, and the key verifies.
      const secret = foreign()
      const max = await importKeys({
        migrationId: 'bounds',
        apiId: 'api_bounds',
        keys: [
          {
            hash: sha(secret, 'base64'),
            credits: { remaining: 1e9, refill: { interval: 'monthly', amount: 1e9 } },
            ratelimits: [{ name: 'r', limit: 1e9, duration: 31_536_000_000 }],
          },
        ],
      })
      assert.equal(max.status, 200, max.text)
      assert.equal((await s.verify(admin, secret)).code, 'VALID')
    })

    it('never lets an importer create keys with rights it lacks, or for owners it cannot see', async () => {
      const m = await s.member(`importer-${store}`, admin)
      const scoped = await s.createKey(m.token, { scopes: ['keys:write', 'orders:read'] })
      const as = (keys: unknown[]) => importKeys({ keys }, scoped.key)
      assert.equal((await as([{ plaintext: foreign(), scopes: ['orders:read'] }])).status, 200)
      assert.equal((await as([{ plaintext: foreign(), scopes: ['orders:write'] }])).status, 403, 'a scope it lacks')
      assert.equal((await as([{ plaintext: foreign() }])).status, 403, 'no scopes = full rights')
      assert.equal(
        (await as([{ plaintext: foreign(), scopes: ['orders:read'], owner: { kind: 'user', id: 1 } }])).status,
        404,
      )
      const fenced = await s.createKey(m.token, { restrictions: { ip_allow: ['127.0.0.1'] } })
      assert.equal(
        (await importKeys({ keys: [{ plaintext: foreign() }] }, fenced.key)).status,
        403,
        'unrestricted child',
      )
      const ok = await importKeys(
        { keys: [{ plaintext: foreign(), restrictions: { ip_allow: ['127.0.0.1'] } }] },
        fenced.key,
      )
      assert.equal(ok.status, 200, ok.text)
    })
  })
}
