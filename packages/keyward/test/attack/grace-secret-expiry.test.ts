import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { STORES, serverForSuite } from '../helpers.js'
import { within } from '../scale/cluster.js'

/**
 * A rolled-away secret stops at its grace end. Every answer about it must say so: an integrator
 * that caches a verification until `expires_at` (null: for ever) kept accepting a secret the roll
 * had ended. The verify answers (HTTP, in-process, cached or not) carry the earlier of the key's
 * expiry and the grace end; whoami tells a caller that its own secret is a rolled-away one.
 */
for (const store of STORES) {
  describe(`attack: a rolled-away secret's answers say when it ends (${store})`, () => {
    const clock = manualClock(new Date('2026-05-01T00:00:00.000Z'))
    const suite = serverForSuite(store, { clock })
    const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString()

    /** A key (expiring `expiresAt`) rolled with a 60 s grace period: its old and new secrets. */
    const rolled = async (expiresAt: string | null) => {
      const { s, admin } = suite
      const k = await s.createKey(admin, { expires_at: expiresAt, scopes: ['keys:read'] })
      const r = await s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin, body: { grace_period_s: 60 } })
      assert.equal(r.status, 200)
      return { old: k.key, current: r.body.key as string, graceEnd: at(60_000) }
    }

    it('HTTP verify: the old secret answers its grace end; the new one the key expiry', async () => {
      const { s, admin } = suite
      const never = await rolled(null)
      const old = await s.verify(admin, never.old)
      assert.equal(old.code, 'VALID')
      assert.equal(old.expires_at, never.graceEnd, 'BROKEN: a rolled-away secret answered expires_at null')
      assert.equal((await s.verify(admin, never.old)).expires_at, never.graceEnd, 'cached')
      // Said as such, not only as an expiry: the caller can tell its client to switch (a new user's find).
      assert.equal(old.grace_ends_at, never.graceEnd, 'BROKEN: verify does not say the secret is rolled away')
      const current = await s.verify(admin, never.current)
      assert.equal(current.expires_at, null)
      assert.ok(!('grace_ends_at' in current), 'the current secret has no grace end')
      const soon = at(30_000)
      const early = await rolled(soon)
      assert.equal((await s.verify(admin, early.old)).expires_at, soon, 'the key ends before the grace period')
    })

    it('in-process verify and verifySync say the same of a cached old secret', async () => {
      const { s } = suite
      const later = at(86_400_000)
      const k = await rolled(later)
      const v = s.kw.services.verifier
      assert.equal((await v.verify(k.old)).expiresAt, k.graceEnd, 'BROKEN: verify, uncached')
      assert.equal((await v.verify(k.old)).expiresAt, k.graceEnd, 'BROKEN: verify, cached')
      // PostgreSQL: a node hears its own write's invalidation a moment later; verify until cached.
      await within(2_000, async () => (await v.verify(k.old), v.verifySync(k.old) !== undefined))
      assert.equal(v.verifySync(k.old)?.expiresAt, k.graceEnd, 'BROKEN: verifySync')
      assert.equal(v.verifySync(k.old)?.graceEndsAt, k.graceEnd)
      assert.equal((await v.verify(k.current)).graceEndsAt, undefined)
      assert.equal((await v.verify(k.current)).expiresAt, later)
    })

    it('a refusal of the old secret (missing scope) carries its grace end too', async () => {
      const { s, admin } = suite
      const k = await rolled(null)
      const refused = await s.verify(admin, k.old, ['keys:write'])
      assert.equal(refused.code, 'INSUFFICIENT_SCOPES')
      assert.equal(refused.expires_at, k.graceEnd)
      assert.equal(refused.grace_ends_at, k.graceEnd)
    })

    it('whoami tells a caller using a rolled-away secret when that secret stops working', async () => {
      const { s } = suite
      const k = await rolled(null)
      const me = async (key: string) => (await s.request('GET', '/v1/auth/whoami', { token: key })).body
      const old = await me(k.old)
      assert.equal(old.grace_ends_at, k.graceEnd, 'BROKEN: whoami does not say the secret is rolled away')
      assert.equal((await me(k.current)).grace_ends_at, null)
      assert.equal((await me(suite.admin)).grace_ends_at, null, 'a session is no rolled-away secret')
    })

    it('a roll that cuts a grace period short says so in its audit entry', async () => {
      const { s, admin } = suite
      const k = await s.createKey(admin)
      const roll = (body: object) => s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin, body })
      assert.equal((await roll({ grace_period_s: 60 })).status, 200)
      const firstEnd = at(60_000)
      assert.equal((await roll({ grace_period_s: 30 })).status, 200)
      const entries = await s.request('GET', `/v1/audit?action=key.roll&target_id=${k.id}`, { token: admin })
      const [second, first] = entries.body.events.map((e: { details: object }) => e.details)
      assert.deepEqual(first, { owner: k.record.owner, grace_period_s: 60 })
      assert.deepEqual(second, { owner: k.record.owner, grace_period_s: 30, ended_grace_until: firstEnd })
    })
  })
}
