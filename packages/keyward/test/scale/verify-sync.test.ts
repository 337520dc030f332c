import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createVerifier } from '../../src/index.js'
import { manualClock } from '../../src/core/clock.js'
import { hashSecret } from '../../src/core/key-format.js'
import { STORES, TestServer } from '../helpers.js'
import { within } from './cluster.js'

const withoutLookup = ({ lookup, ...rest }: { lookup?: unknown }) => rest

for (const store of STORES) {
  describe(`verifySync: the answer without I/O, or undefined (${store})`, () => {
    const clock = manualClock(new Date('2026-06-01T00:00:00.000Z'))
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store, { clock })
      admin = await s.adminToken()
    })
    after(async () => s?.close())
    const v = () => s.kw.services.verifier
    /**
     * Verifies until the answer is cached, then returns verifySync's answer. On PostgreSQL and
     * Redis a node also hears its own write's invalidation, a few ms after the write returned,
     * and evicts the entry `verify` just cached (harmless: the next verify refills it). Callers
     * assert with no await between this and their next verifySync, so no echo can interleave.
     */
    const cached = async (key: string) =>
      within(2_000, async () => (await v().verify(key), v().verifySync(key) !== undefined)).then(() =>
        v().verifySync(key),
      )

    it('answers undefined on a miss and, once cached, what verify answers (scopes checked)', async () => {
      const { key, id } = await s.createKey(admin, { scopes: ['orders:read'], meta: { plan: 'pro' } })
      assert.equal(v().verifySync(key), undefined)
      const fast = await cached(key)
      const slow = await v().verify(key)
      assert.equal(fast?.code, 'VALID')
      assert.equal(fast?.keyId, id)
      assert.deepEqual(withoutLookup(fast), withoutLookup(slow))
      assert.equal(v().verifySync(key, { scopes: ['orders:write'] })?.code, 'INSUFFICIENT_SCOPES')
    })

    it('answers MALFORMED at once and NOT_FOUND once the unknown key is cached', async () => {
      assert.equal(v().verifySync('kw_nope')?.code, 'MALFORMED')
      const unknown = 'x'.repeat(40)
      assert.equal(v().verifySync(unknown), undefined)
      assert.equal((await v().verify(unknown)).code, 'NOT_FOUND')
      assert.equal((await cached(unknown))?.code, 'NOT_FOUND')
    })

    it('never answers VALID after a revocation: the write evicts, verify refuses, then verifySync refuses', async () => {
      const { key, id } = await s.createKey(admin)
      assert.equal((await cached(key))?.code, 'VALID')
      await s.request('POST', `/v1/keys/${id}/revoke`, { token: admin })
      assert.equal(v().verifySync(key), undefined)
      assert.equal((await v().verify(key)).code, 'REVOKED')
      assert.equal((await cached(key))?.code, 'REVOKED')
    })

    it('drops the entry as soon as the bus evicts it (another node wrote)', async () => {
      const { key } = await s.createKey(admin)
      assert.equal((await cached(key))?.code, 'VALID')
      s.kw.services.cache.evict([hashSecret(key)]) // what the bus's onInvalidate does
      assert.equal(v().verifySync(key), undefined)
    })

    it('answers EXPIRED from the cache once the clock passes expires_at', async () => {
      const { key } = await s.createKey(admin, { expires_at: '2026-06-01T00:00:01.000Z' })
      assert.equal((await cached(key))?.code, 'VALID')
      clock.advance(1000)
      assert.equal(v().verifySync(key)?.code, 'EXPIRED')
    })

    it('leaves usage-limited and rate-limited keys to verify, consuming nothing', async () => {
      const limited = await s.createKey(admin, { remaining: 2 })
      assert.equal((await v().verify(limited.key)).remaining, 1)
      for (let i = 0; i < 5; i++) assert.equal(v().verifySync(limited.key), undefined)
      assert.equal((await v().verify(limited.key)).remaining, 0)
      assert.equal((await v().verify(limited.key)).code, 'USAGE_EXCEEDED')
      const rated = await s.createKey(admin, { rate_limit: { limit: 1, window_s: 60 } })
      assert.equal((await v().verify(rated.key)).code, 'VALID')
      assert.equal(v().verifySync(rated.key), undefined)
      assert.equal((await v().verify(rated.key)).code, 'RATE_LIMITED')
    })

    it('counts a synchronous answer once in the key usage', async () => {
      const { key, id } = await s.createKey(admin)
      let answered = 0 // every VALID answer, from verify or verifySync
      await within(2_000, async () => {
        answered += (await v().verify(key)).code === 'VALID' ? 1 : 0
        return v().verifySync(key) === undefined ? false : (answered++, true)
      })
      for (let i = 0; i < 3; i++) answered += v().verifySync(key)?.code === 'VALID' ? 1 : 0
      assert.ok(answered >= 5, `${answered}`)
      await s.kw.services.usage.flush()
      const r = await s.request('GET', `/v1/keys/${id}/usage?days=1`, { token: admin })
      const today = r.body.days.find((d: { date: string }) => d.date === '2026-06-01')
      assert.equal(today?.valid, answered, JSON.stringify(r.body))
    })
  })
}

if (STORES.includes('postgres')) {
  describe("KeywardVerifier.verifySync on PostgreSQL hears the server's writes", () => {
    it('stops answering VALID within 1 s of a revocation on the server, and never answers it again', async () => {
      const s = await TestServer.start('postgres')
      const v = await createVerifier({ databaseUrl: s.config.databaseUrl })
      try {
        const admin = await s.adminToken()
        const { key, id } = await s.createKey(admin)
        await within(1000, async () => (await v.verify(key)).code === 'VALID' && v.verifySync(key)?.code === 'VALID')
        await s.request('POST', `/v1/keys/${id}/revoke`, { token: admin })
        await within(1000, async () => v.verifySync(key)?.code !== 'VALID')
        assert.equal(v.verifySync(key), undefined)
        assert.equal((await v.verify(key)).code, 'REVOKED')
        assert.equal(v.verifySync(key)?.code, 'REVOKED')
      } finally {
        await v.close()
        await s.close()
      }
    })
  })
}
