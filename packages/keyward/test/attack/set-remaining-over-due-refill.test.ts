import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { STORES, type SuiteServer, serverForSuite } from '../helpers.js'
import { holdNextCall } from '../hold.js'

/**
 * What an admin sets as `remaining` holds until the next refill. Refills are lazy (applied at the
 * first verification once due), so a refill already due when the admin set `remaining: 0` used to
 * land at the next verification and undo the cut-off; a top-up of 100 was likewise reset to the
 * refill amount. Setting `remaining` while a refill is due now counts as that period's refill.
 */
for (const store of STORES) {
  describe(`setting remaining while a refill is due (${store})`, () => {
    const clock = manualClock(new Date('2026-03-01T12:00:00.000Z'))
    const t = serverForSuite(store, { clock })
    const refill = { amount: 40, interval_s: 60 }

    for (const target of ['key', 'identity'] as const) {
      it(`a ${target} cut off to 0 stays cut off until the next refill is due`, async () => {
        const { key, path } = await withBudget(t, target, { remaining: 5, refill })
        clock.advance(61_000)
        await patch(t, path, { remaining: 0 })
        assert.equal((await t.s.verify(t.admin, key)).code, 'USAGE_EXCEEDED', 'BROKEN: the due refill undid the 0')
        clock.advance(59_000)
        assert.equal((await t.s.verify(t.admin, key)).code, 'USAGE_EXCEEDED', 'no refill before its period is out')
        clock.advance(1_000)
        assert.equal((await t.s.verify(t.admin, key)).code, 'VALID', 'the next refill comes on schedule')
      })

      it(`a ${target}'s top-up holds while a refill is due`, async () => {
        const { key, path } = await withBudget(t, target, { remaining: 5, refill })
        clock.advance(61_000)
        await patch(t, path, { remaining: 100 })
        assert.equal((await t.s.verify(t.admin, key)).code, 'VALID')
        assert.equal((await t.s.request('GET', path, { token: t.admin })).body.remaining, 99, 'BROKEN: reset to 40')
      })

      it(`a ${target} set before its refill is due still refills on schedule (control)`, async () => {
        const { key, path } = await withBudget(t, target, { remaining: 5, refill })
        clock.advance(30_000)
        await patch(t, path, { remaining: 0 })
        assert.equal((await t.s.verify(t.admin, key)).code, 'USAGE_EXCEEDED')
        clock.advance(31_000)
        assert.equal((await t.s.verify(t.admin, key)).code, 'VALID', 'setting remaining does not delay a refill')
        assert.equal((await t.s.request('GET', path, { token: t.admin })).body.remaining, 39)
      })

      // A reviewer's finds on the first version of the fix.
      it(`a ${target}'s GET shows the due refill, so sending the object back keeps it`, async () => {
        const { key, path } = await withBudget(t, target, { remaining: 1, refill })
        assert.equal((await t.s.verify(t.admin, key)).code, 'VALID')
        clock.advance(61_000)
        const shown = (await t.s.request('GET', path, { token: t.admin })).body
        assert.equal(shown.remaining, 40, 'BROKEN: the count shown is the stale 0 a verification would not find')
        await patch(t, path, { remaining: shown.remaining, meta: { plan: 'pro' } })
        assert.equal((await t.s.verify(t.admin, key)).code, 'VALID', 'BROKEN: the round trip cancelled the refill')
      })

      it(`a PATCH naming a ${target}'s refill as it is leaves the refill due in place`, async () => {
        const { key, path } = await withBudget(t, target, { remaining: 1, refill })
        await t.s.verify(t.admin, key)
        clock.advance(61_000)
        await patch(t, path, { refill })
        assert.equal((await t.s.verify(t.admin, key)).code, 'VALID', 'BROKEN: the customer stays cut off a period')
      })

      it(`a new refill for a spent ${target} while one is due: the due one lands, the new one from now`, async () => {
        const { key, path } = await withBudget(t, target, { remaining: 1, refill })
        await t.s.verify(t.admin, key)
        clock.advance(61_000)
        await patch(t, path, { refill: { amount: 100, interval_s: 60 } })
        assert.equal((await t.s.request('GET', path, { token: t.admin })).body.remaining, 40, 'what was shown stays')
        clock.advance(60_000)
        assert.equal((await t.s.verify(t.admin, key)).code, 'VALID')
        assert.equal((await t.s.request('GET', path, { token: t.admin })).body.remaining, 99, 'the new refill')
      })

      it(`a ${target}'s PATCH of other fields leaves a due refill to the next verification (control)`, async () => {
        const { key, path } = await withBudget(t, target, { remaining: 1, refill })
        await t.s.verify(t.admin, key)
        clock.advance(61_000)
        await patch(t, path, { meta: { plan: 'free' } })
        assert.equal((await t.s.verify(t.admin, key)).code, 'VALID')
        assert.equal((await t.s.request('GET', path, { token: t.admin })).body.remaining, 39)
      })

      // A reviewer's find on the second version: a PATCH wrote the due refill's count from its read,
      // after another PATCH's cut-off had landed, and undid it (concurrent ones each added a refill).
      it(`a ${target}'s PATCH held between its read and its write does not undo a cut-off made meanwhile`, async () => {
        const { key, path } = await withBudget(t, target, { remaining: 1, refill })
        await t.s.verify(t.admin, key)
        clock.advance(61_000)
        const release = holdNextWrite(t, target)
        const held = t.s.request('PATCH', path, { token: t.admin, body: { refill: { amount: 50, interval_s: 60 } } })
        await release.reached
        await patch(t, path, { remaining: 0 })
        release.go()
        assert.equal((await held).status, 200)
        assert.equal((await t.s.request('GET', path, { token: t.admin })).body.remaining, 0, 'BROKEN: cut-off undone')
        assert.equal((await t.s.verify(t.admin, key)).code, 'USAGE_EXCEEDED')
      })
    }
  })
}

/** Holds the next PATCH write of a key (KeyService.write) or an identity (IdentityRepository.update). */
function holdNextWrite(t: SuiteServer, target: 'key' | 'identity'): { reached: Promise<void>; go: () => void } {
  const services = t.s.kw.services as unknown as Record<string, Record<string, object>>
  return target === 'key'
    ? holdNextCall(services.keys!, 'write')
    : holdNextCall(services.identities!.identities!, 'update')
}

/** A key with the budget on itself or on its identity; `path` is where the budget is set. */
async function withBudget(
  t: SuiteServer,
  target: 'key' | 'identity',
  budget: Record<string, unknown>,
): Promise<{ key: string; path: string }> {
  if (target === 'key') {
    const k = await t.s.createKey(t.admin, budget)
    return { key: k.key, path: `/v1/keys/${k.id}` }
  }
  const r = await t.s.request('POST', '/v1/identities', {
    token: t.admin,
    body: { external_id: `due-${Math.random()}`, ...budget },
  })
  assert.equal(r.status, 201)
  const k = await t.s.createKey(t.admin, { identity_id: r.body.id })
  return { key: k.key, path: `/v1/identities/${r.body.id}` }
}

async function patch(t: SuiteServer, path: string, body: object): Promise<void> {
  const r = await t.s.request('PATCH', path, { token: t.admin, body })
  assert.equal(r.status, 200, r.text)
}
