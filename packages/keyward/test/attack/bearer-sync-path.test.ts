import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'
import { join } from '../orgs/fixture.js'

/**
 * Attack on bearer authentication through `verifySync` and on the verify path that probes the
 * cache before the checksum: a key refused by `verify` (restrictions, limits, expiry, revoke,
 * disable, a rolled-away secret past grace) must be refused as a bearer credential too, cached or
 * not; a malformed spelling of a cached key, or an imported hash of a malformed secret, must answer
 * MALFORMED; organization roles read from the cache must not survive a membership removal.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const sha = (s: string) => createHash('sha256').update(s).digest('hex')

/** The bearer status of `key` on GET /v1/auth/whoami, from 127.0.0.1 unless `headers` say otherwise. */
async function bearer(s: TestServer, key: string, headers: Record<string, string> = {}) {
  const r = await s.kw.app.inject({
    method: 'GET',
    url: '/v1/auth/whoami',
    headers: { authorization: `Bearer ${key}`, ...headers },
  })
  return r.statusCode
}

for (const store of STORES) {
  describe(`attack: bearer keys through verifySync (${store})`, () => {
    const suite = serverForSuite(store)
    /** Bearer statuses, used `n` times (the first caches the key, the rest are answered from the cache). */
    const uses = async (key: string, n: number, headers?: Record<string, string>) => {
      const out: number[] = []
      for (let i = 0; i < n; i++) out.push(await bearer(suite.s, key, headers))
      return out
    }

    it('restrictions: refused from outside them, cached or not, and with no Origin at all', async () => {
      const { s, admin } = suite
      const ip = await s.createKey(admin, { restrictions: { ip_allow: ['10.9.9.9/32'] } })
      await s.verify(admin, ip.key) // cached by verify first
      assert.deepEqual(await uses(ip.key, 3), [401, 401, 401], 'BROKEN: ip restriction')
      const origin = await s.createKey(admin, { restrictions: { origin_allow: ['https://good.example'] } })
      assert.deepEqual(await uses(origin.key, 2, { origin: 'https://evil.example' }), [401, 401], 'BROKEN: origin')
      assert.deepEqual(await uses(origin.key, 2), [401, 401], 'BROKEN: no origin')
      assert.deepEqual(await uses(origin.key, 2, { origin: 'https://good.example' }), [200, 200])
    })

    it('a usage limit and a rate limit hold for a cached bearer key', async () => {
      const { s, admin } = suite
      const usage = await s.createKey(admin, { remaining: 2 })
      assert.deepEqual(await uses(usage.key, 4), [200, 200, 401, 401], 'BROKEN: usage limit')
      const rate = await s.createKey(admin, { rate_limit: { limit: 2, window_s: 60 } })
      assert.deepEqual(await uses(rate.key, 4), [200, 200, 429, 429], 'BROKEN: rate limit')
    })

    it('expiry, revoke, disable and a roll past its grace end a cached bearer key', async () => {
      const { s, admin } = suite
      const exp = await s.createKey(admin, { expires_at: new Date(Date.now() + 1500).toISOString() })
      const rev = await s.createKey(admin)
      const dis = await s.createKey(admin)
      const rolled = await s.createKey(admin)
      for (const k of [exp, rev, dis, rolled]) assert.deepEqual(await uses(k.key, 2), [200, 200])
      const roll = await s.request('POST', `/v1/keys/${rolled.id}/roll`, { token: admin, body: { grace_period_s: 1 } })
      assert.equal(roll.status, 200, roll.text)
      assert.deepEqual(await uses(rolled.key, 2), [200, 200], 'the old secret works in its grace period')
      assert.equal((await s.request('POST', `/v1/keys/${rev.id}/revoke`, { token: admin, body: {} })).status, 200)
      assert.equal((await s.request('POST', `/v1/keys/${dis.id}/disable`, { token: admin })).status, 200)
      assert.deepEqual(await uses(rev.key, 2), [401, 401], 'BROKEN: revoked')
      assert.deepEqual(await uses(dis.key, 2), [401, 401], 'BROKEN: disabled')
      await sleep(1600)
      assert.deepEqual(await uses(exp.key, 2), [401, 401], 'BROKEN: expired')
      assert.deepEqual(await uses(rolled.key, 2), [401, 401], 'BROKEN: rolled past grace')
      assert.equal((await s.verify(admin, rolled.key)).code, 'EXPIRED')
    })

    it('a malformed spelling of a cached key, or an imported hash of a malformed secret, is MALFORMED', async () => {
      const { s, admin } = suite
      const foreign = `ext-${randomBytes(24).toString('hex')}`
      const spaced = `sk live ${randomBytes(20).toString('hex')}`
      const k = await s.createKey(admin)
      const badSum = k.key.slice(0, -1) + (k.key.endsWith('A') ? 'B' : 'A')
      const body = {
        keys: [
          { plaintext: foreign },
          { hash: { value: sha(spaced), variant: 'sha256_hex' } },
          { hash: { value: sha(badSum + 'x'), variant: 'sha256_hex' } },
        ],
      }
      const imp = await s.request('POST', '/v1/keys/import', { token: admin, body })
      assert.equal(imp.status, 200, imp.text)
      assert.equal((await s.verify(admin, foreign)).code, 'VALID')
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
      for (const bad of [
        `${foreign} `,
        ` ${foreign}`,
        `${foreign}\n`,
        spaced,
        badSum,
        `${k.key} `,
        k.key.replace('_', ' '),
      ]) {
        assert.equal((await s.verify(admin, bad)).code, 'MALFORMED', `BROKEN: ${JSON.stringify(bad)}`)
        // HTTP trims a header value's edges (RFC 9110 §5.5): only inner whitespace reaches the bearer check.
        if (bad.trim() === bad) assert.equal(await bearer(s, bad), 401, `BROKEN (bearer): ${JSON.stringify(bad)}`)
      }
      // A session token is a credential tag in the cache, never a key.
      assert.notEqual((await s.verify(admin, admin)).code, 'VALID', 'BROKEN: a session token verified as a key')
    })

    it('an organization role read from the cache does not survive a membership removal', async () => {
      const { s, admin } = suite
      const ownerM = await s.member(`o${randomBytes(3).toString('hex')}`, admin)
      const name = `m${randomBytes(3).toString('hex')}`
      const m = await s.member(name, admin)
      const org = await s.request('POST', '/v1/organizations', {
        token: ownerM.token,
        body: { name: `org ${name}`, handle: `org-${name}` },
      })
      assert.equal(org.status, 201, org.text)
      await join(
        s,
        ownerM.token,
        org.body.id,
        { ...m, email: `${name}@example.com`, password: `${name}-password-1` },
        'admin',
      )
      const key = await s.createKey(m.token)
      const see = async () => (await s.request('GET', `/v1/organizations/${org.body.id}`, { token: key.key })).status
      assert.deepEqual([await see(), await see()], [200, 200])
      const rm = await s.request('DELETE', `/v1/organizations/${org.body.id}/members/${m.id}`, { token: ownerM.token })
      assert.equal(rm.status, 204, rm.text)
      assert.deepEqual([await see(), await see()], [404, 404], 'BROKEN: cached membership survived its removal')
    })
  })
}
