import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { before, describe, it } from 'node:test'
import { makeTenant, type Tenant } from '../balena/fixture.js'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * A key's `key_prefix` is stored and shown to everyone who may see the key (an organization's viewers, a
 * `keys:read` key, webhook events, the audit trail): it may hold the key's label and 6 characters, no more.
 * A secret brought from elsewhere (an import, a device's own key) was cut at its first `_` within 16
 * characters, whatever stood before it: a random base64url secret of 32 characters whose first `_` falls
 * at 16 showed 23 of its 32 characters, 138 of its 192 bits (an attacker's find). What stands before the
 * `_` is a label only when it is one by Keyward's own rule (a lower-case name, `PREFIX_PATTERN`).
 */
const SECRET_WITH_LATE_UNDERSCORE = `Ab3dE5gH9jK1mN0p_${'qR7sT2uV4wX6yZ8'}`
/** A random base64url secret (mixed case) with its first `_` at `at`: 32 characters. */
const randomWithUnderscoreAt = (at: number) => {
  const body = randomBytes(32).toString('base64url').replace(/[_-]/g, 'x')
  return `${'Q' + body.slice(1, at)}_${body.slice(at + 1, 32)}`
}

for (const store of STORES) {
  describe(`attack: a foreign secret's visible start shows no more than 6 of its characters (${store})`, () => {
    const t = serverForSuite(store)
    let tenant: Tenant
    before(async () => {
      tenant = await makeTenant(t.s, `pfx${randomBytes(2).toString('hex')}`, t.admin)
    })

    /** Fails with the characters of `secret` that `shown` gives away past its 6. */
    function showsSixAtMost(secret: string, shown: string) {
      assert.ok(secret.startsWith(shown), `${shown} is the start of the secret`)
      assert.ok(
        shown.length <= 6,
        `BROKEN: key_prefix ${shown} shows ${shown.length} of the ${secret.length} characters`,
      )
    }

    it('an imported plaintext: the listing, the key page and the import answer show 6 characters', async () => {
      const secrets = [SECRET_WITH_LATE_UNDERSCORE, randomWithUnderscoreAt(12), randomWithUnderscoreAt(5)]
      const r = await t.s.request('POST', '/v1/keys/import', {
        token: t.admin,
        body: { keys: secrets.map((plaintext, i) => ({ plaintext, name: `imported-${i}` })) },
      })
      assert.equal(r.status, 200, r.text)
      for (const [i, secret] of secrets.entries()) {
        const v = await t.s.verify(t.admin, secret)
        assert.equal(v.valid, true, 'control: the imported secret verifies')
        const page = await t.s.request('GET', `/v1/keys/${v.key_id}`, { token: t.admin })
        showsSixAtMost(secret, page.body.key_prefix)
        assert.ok(!r.text.includes(secret.slice(0, 7)), `import answer ${i} shows no more either`)
      }
    })

    it("a device's own key, registered through balena: 6 characters", async () => {
      const apiKey = SECRET_WITH_LATE_UNDERSCORE.replace('Ab3', 'Zz9')
      const reg = await t.s.request('POST', '/device/register', {
        token: tenant.provKey.key,
        body: {
          application: tenant.app.id,
          uuid: randomBytes(16).toString('hex'),
          device_type: 'rpi',
          api_key: apiKey,
        },
      })
      assert.equal(reg.status, 201, reg.text)
      const v = await t.s.verify(tenant.user.token, apiKey)
      const page = await t.s.request('GET', `/v1/keys/${v.key_id}`, { token: tenant.user.token })
      showsSixAtMost(apiKey, page.body.key_prefix)
    })

    it('control: a label by Keyward\'s rule is kept (Keyward keys, "sk_live_…"-style imports)', async () => {
      const k = await t.s.createKey(t.admin, { prefix: 'live2' })
      assert.equal(k.record.key_prefix, k.key.slice(0, 'live2_'.length + 6))
      const stripe = `sk_live_${randomBytes(24).toString('base64url')}`
      const r = await t.s.request('POST', '/v1/keys/import', {
        token: t.admin,
        body: { keys: [{ plaintext: stripe, name: 'stripe-like' }] },
      })
      assert.equal(r.status, 200, r.text)
      const v = await t.s.verify(t.admin, stripe)
      const page = await t.s.request('GET', `/v1/keys/${v.key_id}`, { token: t.admin })
      assert.equal(page.body.key_prefix, stripe.slice(0, 'sk_'.length + 6))
    })
  })
}
