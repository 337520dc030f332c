import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { STORES, type SuiteServer, TestServer, serverForSuite } from '../helpers.js'
import { holdNextCall } from '../hold.js'

/**
 * A roll may keep the old secret working for a grace period. When that secret turns out to be
 * exposed meanwhile, its owner must be able to end the grace period at once, without rolling
 * again (which would make every client switch twice): `POST /v1/keys/:id/end-grace`. The old
 * secret is refused at once on every node (the cache holds it, keyed by its hash).
 */
for (const store of STORES) {
  describe(`ending a roll's grace period early (${store})`, () => {
    const t = serverForSuite(store)
    let other: TestServer | null = null
    after(() => other?.kw.close())
    /** The node that did not end the grace period: its cache must hear of it (PostgreSQL only). */
    const peer = async () => {
      if (store !== 'postgres') return t.s
      other ??= await TestServer.attach(t.s.config.databaseUrl)
      return other
    }

    it('refuses the old secret at once on every node; the new one keeps working', async () => {
      const { key: old, id } = await t.s.createKey(t.admin)
      const rolled = await endpoint(t, id, 'roll', { grace_period_s: 3600 })
      assert.equal(rolled.status, 200)
      const node = await peer()
      assert.equal((await node.verify(t.admin, old)).code, 'VALID', 'in its grace period (and now cached)')
      const ended = await endpoint(t, id, 'end-grace')
      assert.equal(ended.status, 200, `BROKEN: ${ended.status} ${ended.text}`)
      assert.equal(ended.body.previous_secret_expires_at, null)
      assert.equal((await t.s.verify(t.admin, old)).code, 'NOT_FOUND')
      await eventually(async () => (await node.verify(t.admin, old)).code === 'NOT_FOUND', 'the other node refuses it')
      assert.equal((await node.verify(t.admin, rolled.body.key)).code, 'VALID')
      const again = await endpoint(t, id, 'end-grace')
      assert.equal(again.status, 200, 'nothing to end: the key as it is')
      const audit = await t.s.request('GET', `/v1/audit?action=key.end_grace&target_id=${id}`, { token: t.admin })
      assert.equal(audit.body.events.length, 1, 'one audit entry: the second call changed nothing')
    })

    // A reviewer's find: an end-grace that read the key before a roll landed ended the grace that roll had just
    // promised its clients (3 of 20 racing pairs).
    it('ends only the grace period it read: a roll landing in between makes it a 409', async () => {
      const { id } = await t.s.createKey(t.admin)
      const first = await endpoint(t, id, 'roll', { grace_period_s: 3600 })
      const held = holdNextCall(t.s.kw.services.keys, 'write')
      const ending = endpoint(t, id, 'end-grace')
      await held.reached
      assert.equal((await endpoint(t, id, 'roll', { grace_period_s: 3600 })).status, 200)
      held.go()
      const late = await ending
      assert.equal(late.status, 409, `BROKEN: ${late.status} ${late.text}`)
      assert.equal(late.body.error.code, 'conflict')
      const code = (await t.s.verify(t.admin, first.body.key)).code
      assert.equal(code, 'VALID', 'BROKEN: the secret the new roll replaced lost the grace period it was promised')
    })

    // A reviewer's find: a key the old secret made during its grace period kept working after end-grace (until the
    // grace end promised at the roll), and could mint more; which secret made a key was not recorded.
    it("revokes what the old secret made during its grace period, and their line; not the current secret's", async () => {
      const { key: old, id } = await t.s.createKey(t.admin)
      const rolled = await endpoint(t, id, 'roll', { grace_period_s: 3600 })
      const byOld = await t.s.createKey(old, { expires_at: new Date(Date.now() + 1_800_000).toISOString() })
      const grandchild = await t.s.createKey(byOld.key, { expires_at: new Date(Date.now() + 600_000).toISOString() })
      const byCurrent = await t.s.createKey(rolled.body.key)
      const ended = await endpoint(t, id, 'end-grace')
      assert.equal(ended.status, 200)
      assert.equal(ended.body.minted_revoked, 2)
      for (const made of [byOld, grandchild])
        assert.equal((await t.s.verify(t.admin, made.key)).code, 'REVOKED', 'BROKEN: outlives the old secret')
      assert.equal((await t.s.verify(t.admin, byCurrent.key)).code, 'VALID', "the current secret's keys live on")
      assert.equal((await t.s.verify(t.admin, rolled.body.key)).code, 'VALID')
    })

    // A reviewer's finds on the first cascade: a create by the old secret committing after end-grace survived it; a
    // secret a second roll or a leak report had ended left its keys working, and end-grace then found nothing.
    it('a create by the old secret racing end-grace is refused or revoked, never left working', async () => {
      const { key: old, id } = await t.s.createKey(t.admin)
      await endpoint(t, id, 'roll', { grace_period_s: 3600 })
      const held = holdNextCall(t.s.kw.services.keys, 'storeNew')
      const creating = t.s.request('POST', '/v1/keys', { token: old, body: { name: 'racing', expires_at: soon() } })
      await held.reached
      assert.equal((await endpoint(t, id, 'end-grace')).status, 200)
      held.go()
      const made = await creating
      if (made.status === 201) assert.equal((await t.s.verify(t.admin, made.body.key)).code, 'REVOKED')
      else assert.equal(made.status, 401, `BROKEN: ${made.status} ${made.text}`)
    })

    // A cascade a failure cut short is finished by end-grace with nothing to end: grace-ended-products.test.ts.

    it('refuses a body (a grace_period_s there reads as "shorten" and would end it)', async () => {
      const { id } = await t.s.createKey(t.admin)
      await endpoint(t, id, 'roll', { grace_period_s: 3600 })
      const r = await endpoint(t, id, 'end-grace', { grace_period_s: 5 })
      assert.equal(r.status, 400)
      assert.ok((await t.s.request('GET', `/v1/keys/${id}`, { token: t.admin })).body.previous_secret_expires_at)
    })

    it('is refused to a key without keys:write (403) and across owners (404), and leaves the grace as it was', async () => {
      const { key: old, id } = await t.s.createKey(t.admin)
      await endpoint(t, id, 'roll', { grace_period_s: 3600 })
      const reader = await t.s.createKey(t.admin, { scopes: ['keys:read'] })
      assert.equal((await endpoint(t, id, 'end-grace', undefined, reader.key)).status, 403)
      const bob = await t.s.member(`bob-${id}`, t.admin)
      assert.equal((await endpoint(t, id, 'end-grace', undefined, bob.token)).status, 404)
      assert.equal((await t.s.verify(t.admin, old)).code, 'VALID')
    })
  })
}

const soon = () => new Date(Date.now() + 1_800_000).toISOString()

const endpoint = (t: SuiteServer, id: number, action: string, body?: object, token = t.admin) =>
  t.s.request('POST', `/v1/keys/${id}/${action}`, { token, ...(body && { body }) })

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (const end = Date.now() + 5_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50)))
    if (await check()) return
  assert.fail(`BROKEN: not within 5 s: ${what}`)
}
