import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

const BUDGET = 2

/**
 * Organization handles are one namespace across tenants, and a person's personal organization is
 * named by their username, the local part of their email: `POST /v1/organizations {handle: "ceo"}`
 * answered 409 exactly when a user "ceo" (or an organization) exists anywhere in the instance, and
 * 201 otherwise, for any member, as often as they liked (an attacker's find: another tenant's
 * users enumerated by name). The refusal cannot be avoided (a handle is taken), so, as refusals of
 * chosen secrets are, it is budgeted per person: after BUDGET refusals an hour, every handle the
 * person asks for is a 429, taken or not.
 */
for (const store of STORES) {
  describe(`attack: enumerating other tenants' users through organization handles (${store})`, () => {
    const t = serverForSuite(store, { env: { KEYWARD_SECRET_REFUSALS_PER_HOUR: String(BUDGET) } })
    const create = (token: string, handle: string) =>
      t.s.request('POST', '/v1/organizations', { token, body: { name: 'probe', handle } })

    it('a member probing handles is refused BUDGET times, then every handle is a 429, free or taken', async () => {
      for (const name of ['ceo', 'cfo', 'cto']) await t.s.member(name, t.admin)
      const mallory = await t.s.member('mallory', t.admin)
      for (const taken of ['ceo', 'cfo']) assert.equal((await create(mallory.token, taken)).status, 409)
      const taken = await create(mallory.token, 'cto')
      const free = await create(mallory.token, 'nobody-here')
      assert.equal(taken.status, 429, `BROKEN: past the budget a taken handle answers ${taken.status}`)
      assert.equal(free.status, 429, `BROKEN: past the budget a free handle answers ${free.status}`)
      assert.equal(taken.body.error.code, 'rate_limited')
      assert.ok(Number(taken.headers['retry-after']) > 0, 'says when to try again')
    })

    it('a rename to a taken handle spends the same budget; handles that are free cost nothing', async () => {
      const trent = await t.s.member('trent', t.admin)
      for (let i = 0; i < BUDGET + 2; i++)
        assert.equal((await create(trent.token, `trent-free-${i}`)).status, 201, 'free handles are never counted')
      const own = await create(trent.token, 'trent-org')
      assert.equal(own.status, 201, own.text)
      const rename = (handle: string) =>
        t.s.request('PATCH', `/v1/organizations/${own.body.id}`, { token: trent.token, body: { handle } })
      for (let i = 0; i < BUDGET; i++) assert.equal((await rename('ceo')).status, 409)
      assert.equal((await rename('cfo')).status, 429, 'BROKEN: renames probe handles past the budget')
      assert.equal((await create(trent.token, 'trent-later')).status, 429, 'one budget for creates and renames')
    })

    it('probes sent at once are told no more than BUDGET times', async () => {
      const racer = await t.s.member('racer', t.admin)
      const answers = await Promise.all(
        ['ceo', 'cfo', 'cto', 'mallory', 'trent', 'ceo', 'cfo', 'cto'].map((h) => create(racer.token, h)),
      )
      const told = answers.filter((r) => r.status === 409).length
      assert.ok(told <= BUDGET, `BROKEN: ${told} refusals told at once`)
      assert.ok(
        answers.every((r) => r.status === 409 || r.status === 429),
        answers.map((r) => r.status).join(),
      )
    })

    it("another person's budget is their own", async () => {
      const victor = await t.s.member('victor', t.admin)
      assert.equal((await create(victor.token, 'ceo')).status, 409)
      assert.equal((await create(victor.token, 'victor-org')).status, 201)
    })
  })
}
