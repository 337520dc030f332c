import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { CHOSEN_AT_ONCE } from '../../src/services/keys/chosen-secrets.js'
import { STORES, TestServer } from '../helpers.js'
import { backendEnv } from '../scale/cluster.js'
import { expectStatus, join } from '../orgs/fixture.js'

const foreign = () => `uk_${randomBytes(24).toString('base64url')}`
const BUDGET = 3

/**
 * A refused import still tells its caller that a secret is taken somewhere (hashes are global), so a
 * caller with `keys:write` could test guessable secrets at 1,000 per call, unthrottled, where the verify
 * endpoint spends a budget per unknown key. Refusals now spend a per-person budget
 * (`KEYWARD_SECRET_REFUSALS_PER_HOUR`): once it is spent, every import of that person is a 429 before any
 * secret is looked up, so the answer no longer depends on what exists. Imports that succeed cost nothing.
 */
/** Each store with its default limiter store (memory on SQLite, PostgreSQL), and PostgreSQL with Redis's. */
const SETUPS = [
  ...STORES.map((store) => ({ store, name: store, env: {} })),
  ...(STORES.includes('postgres') && process.env.KEYWARD_TEST_REDIS_URL
    ? [{ store: 'postgres' as const, name: 'postgres, Redis limiter', env: backendEnv('redis', `imp${Date.now()}:`) }]
    : []),
]

for (const { store, name, env } of SETUPS) {
  describe(`attack: guessing secrets through import refusals (${name})`, () => {
    let s: TestServer
    let admin: string
    let victim: { id: number; token: string }
    let attacker: { id: number; token: string }
    const importKeys = (token: string, keys: unknown[]) =>
      s.request('POST', '/v1/keys/import', { token, body: { keys } })
    before(async () => {
      s = await TestServer.start(store, { env: { ...env, KEYWARD_SECRET_REFUSALS_PER_HOUR: String(BUDGET) } })
      admin = await s.adminToken()
      victim = await s.member(`victim${randomBytes(3).toString('hex')}`, admin)
      attacker = await s.member(`attacker${randomBytes(3).toString('hex')}`, admin)
    })
    after(() => s.close())

    it('stops answering an owner whose refusals spent the budget, whether the secret exists or not', async () => {
      const held = foreign()
      assert.equal((await importKeys(victim.token, [{ plaintext: held }])).status, 200)
      for (let i = 0; i < BUDGET; i++) {
        const probe = await importKeys(attacker.token, [{ plaintext: foreign() }, { plaintext: held }])
        assert.equal(probe.status, 409, probe.text)
      }
      const spent = await importKeys(attacker.token, [{ plaintext: held }])
      assert.equal(spent.status, 429, spent.text)
      assert.equal(spent.body.error.code, 'rate_limited')
      assert.ok(Number(spent.headers['retry-after']) > 0, 'says when to come back')
      const unheld = await importKeys(attacker.token, [{ plaintext: foreign() }])
      assert.deepEqual(
        { status: unheld.status, code: unheld.body.error?.code },
        { status: 429, code: 'rate_limited' },
        'a secret nobody holds gets the same answer: nothing was looked up',
      )
      assert.equal((await s.request('GET', '/v1/keys', { token: attacker.token })).body.total, 0, 'all or nothing')
    })

    it('records each refusal in the audit log, naming the caller and the item, never the secret', async () => {
      const events = await s.request('GET', `/v1/audit?action=key.secret_refused`, { token: admin })
      assert.equal(events.status, 200, events.text)
      const refusals = events.body.events as { actor_id: number; details: unknown }[]
      assert.equal(refusals.length, BUDGET, 'one per refused call; the 429s are not refusals')
      assert.equal(new Set(refusals.map((e) => e.actor_id)).size, 1, 'all the attacker’s')
      for (const e of refusals) assert.deepEqual(e.details, { via: 'import', item: 'keys[1]' })
      assert.doesNotMatch(events.text, /uk_/, 'no secret in the audit log')
    })

    it('charges the person, not the credential: an organization key they made shares their spent budget', async () => {
      const handle = `att-${randomBytes(3).toString('hex')}`
      const org = await s.request('POST', '/v1/organizations', {
        token: attacker.token,
        body: { name: handle, handle },
      })
      assert.equal(org.status, 201, org.text)
      const orgKey = await s.request('POST', '/v1/keys', {
        token: attacker.token,
        body: { name: 'importer', owner: { kind: 'organization', id: org.body.id }, scopes: ['keys:write'] },
      })
      assert.equal(orgKey.status, 201, orgKey.text)
      const probe = await importKeys(orgKey.body.key, [{ plaintext: foreign(), scopes: ['keys:write'] }])
      assert.equal(probe.status, 429, `a fresh owner is no fresh budget: ${probe.text}`)
    })

    it("charges the key's maker, not the application's creator: another member's key for it spends its maker's budget", async () => {
      const tag = randomBytes(3).toString('hex')
      const creator = await s.member(`creator${tag}`, admin)
      const makerName = `maker${tag}`
      const maker = await s.member(makerName, admin)
      const org = await s.request('POST', '/v1/organizations', {
        token: creator.token,
        body: { name: `shared-${tag}`, handle: `shared-${tag}` },
      })
      expectStatus(org, 201, 'organization')
      const app = await s.request('POST', '/v1/applications', {
        token: creator.token,
        body: { name: `app-${tag}`, organization_id: org.body.id },
      })
      expectStatus(app, 201, "the creator's application")
      const asPerson = { ...maker, email: `${makerName}@example.com`, password: `${makerName}-password-1` }
      await join(s, creator.token, org.body.id, asPerson, 'admin')
      const appKey = await s.request('POST', '/v1/keys', {
        token: maker.token,
        body: { name: 'importer', owner: { kind: 'application', id: app.body.id }, scopes: ['keys:write'] },
      })
      expectStatus(appKey, 201, "the maker's key for the creator's application")
      const held = foreign()
      assert.equal((await importKeys(admin, [{ plaintext: held }])).status, 200)
      for (let i = 0; i < BUDGET; i++)
        expectStatus(
          await importKeys(appKey.body.key, [{ plaintext: held, scopes: ['keys:write'] }]),
          409,
          'refused through the app key',
        )
      expectStatus(await importKeys(maker.token, [{ plaintext: held }]), 429, "the maker's budget is what was spent")
      expectStatus(await importKeys(creator.token, [{ plaintext: held }]), 409, "the creator's budget is untouched")
    })

    it('never charges imports that succeed, run at once or one by one, and keeps each person’s budget their own', async () => {
      const atOnce = await Promise.all(
        Array.from({ length: CHOSEN_AT_ONCE + 8 }, () => importKeys(victim.token, [{ plaintext: foreign() }])),
      )
      for (const r of atOnce)
        assert.ok(r.status === 200 || (r.status === 429 && /at once/.test(r.body.error.message)), r.text)
      assert.ok(atOnce.filter((r) => r.status === 200).length >= CHOSEN_AT_ONCE)
      for (let i = 0; i < BUDGET + 2; i++) {
        const r = await importKeys(victim.token, [{ plaintext: foreign() }])
        assert.equal(r.status, 200, r.text)
      }
      const held = foreign()
      assert.equal((await importKeys(attacker.token, [])).status, 400) // (the attacker's state is not the victim's)
      assert.equal((await importKeys(admin, [{ plaintext: held }])).status, 200)
      for (let i = 0; i < BUDGET; i++)
        assert.equal((await importKeys(victim.token, [{ plaintext: held }])).status, 409, 'the whole budget is left')
      assert.equal((await importKeys(victim.token, [{ plaintext: held }])).status, 429)
    })
  })
}
