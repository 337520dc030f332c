import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

/**
 * Attack: a bounded key imports a key reaching further than itself (scopes, expiry, usage,
 * named limits, restrictions, identity, owner), by Keyward's body and by Unkey's migrateKeys.
 * Rights never grow: every one must be refused and create nothing.
 */
const secret = () => `kw_attack_${randomBytes(24).toString('hex')}`
const soon = () => new Date(Date.now() + 3_600_000).toISOString()

for (const store of STORES) {
  describe(`attack: import widens rights (${store})`, () => {
    let s: TestServer
    let admin: string
    let alice: { id: number; token: string }
    let bob: { id: number; token: string }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      alice = await s.member('alice', admin)
      bob = await s.member('bob', admin)
    })
    after(() => s.close())

    const importWith = (token: string, body: unknown) => s.request('POST', '/v1/keys/import', { token, body })
    const refusedAndAbsent = async (token: string, body: unknown, plaintext: string | null, what: string) => {
      const r = await importWith(token, body)
      assert.ok(r.status === 403 || r.status === 404, `BROKEN ${what}: ${r.status} ${r.text}`)
      if (plaintext) assert.equal((await s.verify(admin, plaintext)).valid, false, `${what}: the key exists`)
    }

    it('a bounded key cannot import a key without its bound', async () => {
      const ident = await s.request('POST', '/v1/identities', { token: alice.token, body: { external_id: 'a1' } })
      const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
        ['scopes', { scopes: ['keys:read', 'keys:write'] }, { scopes: ['keys:read', 'keys:write', 'users:write'] }],
        ['no scopes (full rights)', { scopes: ['keys:write'] }, {}],
        ['expiry', { scopes: ['keys:write'], expires_at: soon() }, { scopes: ['keys:write'] }],
        ['remaining', { scopes: ['keys:write'], remaining: 5 }, { scopes: ['keys:write'] }],
        [
          'named limit',
          { scopes: ['keys:write'], ratelimits: [{ name: 'default', limit: 2, window_s: 60 }] },
          { scopes: ['keys:write'] },
        ],
        [
          'ip_allow',
          { scopes: ['keys:write'], restrictions: { ip_allow: ['127.0.0.1/32'] } },
          { scopes: ['keys:write'] },
        ],
        ['identity', { scopes: ['keys:write'], identity_id: ident.body.id }, { scopes: ['keys:write'] }],
        ['owner', { scopes: ['keys:write'] }, { scopes: ['keys:write'], owner: { kind: 'user', id: bob.id } }],
      ]
      for (const [what, bound, wider] of cases) {
        const producer = await s.createKey(alice.token, bound)
        const plaintext = secret()
        await refusedAndAbsent(producer.key, { keys: [{ plaintext, ...wider }] }, plaintext, what)
      }
    })

    it("Unkey's migrateKeys body cannot drop the producer's expiry or usage limit", async () => {
      const producer = await s.createKey(alice.token, { scopes: ['keys:write'], expires_at: soon(), remaining: 3 })
      const hash = randomBytes(32).toString('hex')
      await refusedAndAbsent(
        producer.key,
        { migrationId: 'mig', apiId: 'api_1', keys: [{ hash, permissions: ['keys:write'] }] },
        null,
        'unkey no-expiry',
      )
    })

    it("importing the hash of bob's live key does not take it over (and bob's key still verifies as bob's)", async () => {
      const bobKey = await s.createKey(bob.token)
      const { createHash } = await import('node:crypto')
      const hash = createHash('sha256').update(bobKey.key).digest('hex')
      const r = await importWith(alice.token, {
        keys: [{ hash: { value: hash, variant: 'sha256_hex' }, name: 'mine' }],
      })
      assert.notEqual(r.status, 200, `BROKEN: ${r.text}`)
      const v = await s.verify(admin, bobKey.key)
      assert.equal(v.valid, true)
      assert.equal(v.owner.id, bob.id, 'the key is still bob’s')
      const b64 = Buffer.from(hash, 'hex').toString('base64')
      const u = await importWith(alice.token, { migrationId: 'mig', apiId: 'api_1', keys: [{ hash: b64 }] })
      assert.notEqual(u.status, 200, `BROKEN (unkey base64): ${u.text}`)
      assert.equal((await s.verify(admin, bobKey.key)).owner.id, bob.id)
    })
  })
}
