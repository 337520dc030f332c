import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { STORES, type TestServer, serverForSuite } from '../helpers.js'
import { verifies } from '../security/fixture.js'

const YEAR_S = 365 * 24 * 3600

/**
 * A key that rolls another key takes that key's new secret: a secret it made. Revoking the key
 * "with what it made" left that secret working — with the owner's old one kept for a year beside
 * it, nothing broke and nothing showed (an attacker's find). A secret a key made by rolling ends
 * with it as a key it created does, current or in its grace period.
 */
for (const store of STORES) {
  describe(`revoking a key with what it made ends the secrets it rolled (${store})`, () => {
    const t = serverForSuite(store)
    let s: TestServer
    let admin: string
    let alice: { token: string }
    before(async () => {
      ;({ s, admin } = t)
      alice = await s.member('roll-minted-alice', admin)
    })

    const revokeMinted = (id: number) =>
      s.request('POST', `/v1/keys/${id}/revoke`, { token: alice.token, body: { reason: 'leaked', minted: true } })
    const roll = (token: string, id: number, grace_period_s = 0) =>
      s.request('POST', `/v1/keys/${id}/roll`, { token, body: { grace_period_s } })

    it('the secret a leaked key rolled stops working when the key is revoked with what it made', async () => {
      const leaked = await s.createKey(alice.token, { name: 'rm-ci', scopes: ['keys:write', 'keys:read'] })
      const prod = await s.createKey(alice.token, { name: 'rm-prod', scopes: ['keys:read'] })
      const stolen = await roll(leaked.key, prod.id, YEAR_S)
      assert.equal(stolen.status, 200, stolen.text)
      const made = await s.request('GET', `/v1/keys?made_by_key_id=${leaked.id}&status=active`, { token: alice.token })
      assert.deepEqual(
        made.body.api_keys.map((k: any) => k.id),
        [prod.id],
        'listed as made by it (what the revoke dialog counts)',
      )
      const bob = await s.member('roll-minted-bob', admin)
      const probe = await s.request('GET', `/v1/keys?made_by_key_id=${leaked.id}`, { token: bob.token })
      assert.equal(probe.body.total, 0, "another tenant's key id filters to nothing")
      const r = await revokeMinted(leaked.id)
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.minted_revoked, 1, 'the rolled key is counted with what the key made')
      assert.equal(await verifies(s, admin, stolen.body.key), false, 'BROKEN: the stolen secret still verifies')
      assert.equal(await verifies(s, admin, prod.key), false, 'the key went whole: its old secret too')
      const entries = await s.request('GET', `/v1/audit?target_type=api_key&target_id=${prod.id}&action=key.revoke`, {
        token: alice.token,
      })
      assert.equal(entries.body.events.length, 1, 'the rolled key has its own revoke entry')
    })

    it('also when the owner rolled again and the stolen secret is in its grace period', async () => {
      const leaked = await s.createKey(alice.token, { name: 'rm-ci-2', scopes: ['keys:write', 'keys:read'] })
      const prod = await s.createKey(alice.token, { name: 'rm-prod-2', scopes: ['keys:read'] })
      const stolen = await roll(leaked.key, prod.id, YEAR_S)
      const mine = await roll(alice.token, prod.id, YEAR_S)
      assert.equal(mine.status, 200, mine.text)
      assert.ok(await verifies(s, admin, stolen.body.key), 'the stolen secret is in its grace period')
      await revokeMinted(leaked.id)
      assert.equal(await verifies(s, admin, stolen.body.key), false, 'BROKEN: the stolen secret outlived the revoke')
    })

    it('a key whose stolen secret the owner rolled away without grace is not touched', async () => {
      const leaked = await s.createKey(alice.token, { name: 'rm-ci-3', scopes: ['keys:write', 'keys:read'] })
      const prod = await s.createKey(alice.token, { name: 'rm-prod-3', scopes: ['keys:read'] })
      await roll(leaked.key, prod.id, YEAR_S)
      const mine = await roll(alice.token, prod.id, 0) // the stolen secret ended here
      const r = await revokeMinted(leaked.id)
      assert.equal(r.body.minted_revoked, 0, 'no secret of it is live')
      assert.ok(await verifies(s, admin, mine.body.key), "the owner's own secret goes on working")
    })

    it('the stolen secret rolling its own key keeps the line: the new secret ends with the leaked key', async () => {
      const leaked = await s.createKey(alice.token, { name: 'rm-ci-4', scopes: ['keys:write', 'keys:read'] })
      const prod = await s.createKey(alice.token, { name: 'rm-prod-4', scopes: ['keys:write', 'keys:read'] })
      const stolen = await roll(leaked.key, prod.id, 0)
      // The holder of the stolen secret rolls prod with it, ending the stolen one: the new secret is theirs as much.
      const laundered = await roll(stolen.body.key, prod.id, 0)
      assert.equal(laundered.status, 200, laundered.text)
      const child = await s.createKey(laundered.body.key, { name: 'rm-child-4', scopes: ['keys:read'] })
      const r = await revokeMinted(leaked.id)
      assert.equal(r.status, 200, r.text)
      assert.equal(await verifies(s, admin, laundered.body.key), false, 'BROKEN: a self-roll laundered the secret')
      assert.equal(await verifies(s, admin, child.key), false, 'nor what the laundered secret made')
    })

    it('nor can a key the stolen secret made, directly or by a roll, roll the stolen key out of the line', async () => {
      const leaked = await s.createKey(alice.token, { name: 'rm-ci-5', scopes: ['keys:write', 'keys:read'] })
      const prod = await s.createKey(alice.token, { name: 'rm-prod-5', scopes: ['keys:write', 'keys:read'] })
      const other = await s.createKey(alice.token, { name: 'rm-other-5', scopes: ['keys:write', 'keys:read'] })
      const stolen = await roll(leaked.key, prod.id, 0)
      const helper = await s.createKey(stolen.body.key, { name: 'rm-helper-5', scopes: ['keys:write', 'keys:read'] })
      // Its new secret would be the helper's, which the leaked key's line reached only through the secret it replaces.
      const viaHelper = await roll(helper.key, prod.id, 0)
      assert.equal(viaHelper.status, 403, 'BROKEN: a key made from the stolen secret rolled the stolen key')
      const taken = await roll(stolen.body.key, other.id, 0)
      assert.equal(taken.status, 200, taken.text)
      const viaRolled = await roll(taken.body.key, prod.id, 0)
      assert.equal(viaRolled.status, 403, 'BROKEN: a key whose secret the stolen one rolled rolled it back')
      const r = await revokeMinted(leaked.id)
      assert.equal(r.status, 200, r.text)
      for (const [what, secret] of [
        ['the stolen secret', stolen.body.key],
        ['the key it made', helper.key],
        ['the secret it rolled', taken.body.key],
      ])
        assert.equal(await verifies(s, admin, secret), false, `BROKEN: ${what} lives`)
    })

    it('a roll racing the revoke of the key rolling ends with it', async () => {
      // The roll checks its caller, then writes: a revoke committing in between missed the secret it wrote (an
      // attacker's find on PostgreSQL). The write now holds the caller live, as a create does.
      const survivors: number[] = []
      for (let i = 0; i < 15; i++) {
        const k = await s.createKey(alice.token, { name: `rm-race-k-${i}`, scopes: ['keys:write', 'keys:read'] })
        const r = await s.createKey(alice.token, { name: `rm-race-r-${i}`, scopes: ['keys:read'] })
        const [rolled] = await Promise.all([
          roll(k.key, r.id, 0),
          new Promise((res) => setTimeout(res, i % 5)).then(() => revokeMinted(k.id)),
        ])
        if (rolled.status === 200 && (await verifies(s, admin, rolled.body.key))) survivors.push(i)
      }
      assert.deepEqual(survivors, [], 'BROKEN: a secret rolled during the revoke outlived it')
    })

    it('a key that rolled itself is revoked alone', async () => {
      const self = await s.createKey(alice.token, { name: 'rm-self', scopes: ['keys:write', 'keys:read'] })
      const rolled = await roll(self.key, self.id, 3600)
      assert.equal(rolled.status, 200, rolled.text)
      const r = await revokeMinted(self.id)
      assert.equal(r.body.minted_revoked, 0)
      assert.equal(await verifies(s, admin, rolled.body.key), false)
    })
  })
}
