import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { API_SCOPES, type Bounds, UNBOUNDED, coversScopes, excessBounds } from '../../src/core/authz.js'

const bounds: fc.Arbitrary<Bounds> = fc.record({
  expiresAt: fc.option(fc.integer({ min: 0, max: 10 }).map((d) => new Date(Date.UTC(2030, 0, 1 + d)).toISOString())),
  rateLimit: fc.option(fc.record({ limit: fc.integer({ min: 1, max: 5 }), window_s: fc.integer({ min: 1, max: 5 }) })),
  remaining: fc.option(fc.integer({ min: 0, max: 5 })),
  refill: fc.option(fc.record({ amount: fc.integer({ min: 1, max: 5 }), interval_s: fc.integer({ min: 1, max: 5 }) })),
})

describe('derivation rule: bounds', () => {
  it('is reflexive and transitive: a credential covers itself, and covering chains', () => {
    fc.assert(
      fc.property(bounds, bounds, bounds, (a, b, c) => {
        assert.equal(excessBounds(a, a), null)
        if (excessBounds(a, b) === null && excessBounds(b, c) === null) assert.equal(excessBounds(a, c), null)
      }),
    )
  })

  it('lets nothing unbounded come from a bounded credential, and anything come from an unbounded one', () => {
    fc.assert(
      fc.property(bounds, (a) => {
        const bounded = a.expiresAt !== null || a.rateLimit !== null || a.remaining !== null
        assert.equal(excessBounds(a, UNBOUNDED) === null, !bounded)
        assert.equal(excessBounds(UNBOUNDED, a), null)
      }),
    )
  })
})

describe('derivation rule: scopes', () => {
  it('lets "*" cover labels of the caller\'s own API but never one of Keyward\'s scopes or full rights', () => {
    assert.equal(coversScopes(['*'], ['read:tables', '*', 'write:clientkeys']), true)
    for (const s of API_SCOPES) assert.equal(coversScopes(['*'], [s]), false, s)
    assert.equal(coversScopes(['*'], null), false)
    assert.equal(coversScopes(['*', 'keys:write'], ['keys:write', 'x']), true)
  })
})
