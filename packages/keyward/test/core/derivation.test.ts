import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { API_SCOPES, type Bounds, UNBOUNDED, coversScopes, excessBounds } from '../../src/core/authz.js'

const bounds: fc.Arbitrary<Bounds> = fc.record({
  expiresAt: fc.option(fc.integer({ min: 0, max: 10 }).map((d) => new Date(Date.UTC(2030, 0, 1 + d)).toISOString())),
  ratelimits: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom('default', 'a', 'b'),
      limit: fc.integer({ min: 1, max: 5 }),
      window_s: fc.integer({ min: 1, max: 5 }),
      auto_apply: fc.boolean(),
    }),
    { selector: (l) => l.name, maxLength: 3 },
  ),
  remaining: fc.option(fc.integer({ min: 0, max: 5 })),
  refill: fc.option(fc.record({ amount: fc.integer({ min: 1, max: 5 }), interval_s: fc.integer({ min: 1, max: 5 }) })),
  restrictions: fc.option(
    fc.record(
      {
        ip_allow: fc.subarray(['10.0.0.0/8', '10.1.0.0/16', '10.1.2.3', '::ffff:10.0.0.0/104', '192.168.0.0/16']),
        origin_allow: fc.subarray([
          '*.example.com',
          'https://a.example.com',
          '*.a.example.com',
          'http://a.example.com',
        ]),
      },
      { requiredKeys: [] },
    ),
  ),
  identityId: fc.option(fc.integer({ min: 1, max: 2 })),
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
        const restricted = (a.restrictions?.ip_allow?.length ?? 0) + (a.restrictions?.origin_allow?.length ?? 0) > 0
        const bounded =
          a.expiresAt !== null || a.ratelimits.length > 0 || a.remaining !== null || a.identityId !== null || restricted
        assert.equal(excessBounds(a, UNBOUNDED) === null, !bounded)
        assert.equal(excessBounds(UNBOUNDED, a), null)
      }),
    )
  })
})

describe('derivation rule: named limits', () => {
  const lim = (name: string, limit: number, window_s: number, auto_apply = true) => ({
    name,
    limit,
    window_s,
    auto_apply,
  })
  const withLimits = (ratelimits: ReturnType<typeof lim>[], identityId: number | null = null): Bounds => ({
    ...UNBOUNDED,
    ratelimits,
    identityId,
  })

  it('refuses a child that drops, loosens or stops auto-applying a limit, or leaves the identity', () => {
    const a = withLimits([lim('default', 10, 60), lim('burst', 5, 1)], 7)
    assert.equal(excessBounds(a, withLimits([lim('default', 10, 60), lim('burst', 5, 1)], 7)), null)
    assert.equal(excessBounds(a, withLimits([lim('default', 9, 120), lim('burst', 1, 1), lim('x', 1, 1)], 7)), null)
    assert.match(excessBounds(a, withLimits([lim('default', 10, 60)], 7))!, /lack .*"burst"/)
    assert.match(excessBounds(a, withLimits([lim('default', 11, 60), lim('burst', 5, 1)], 7))!, /"default" limit/)
    assert.match(excessBounds(a, withLimits([lim('default', 10, 30), lim('burst', 5, 1)], 7))!, /looser/)
    assert.match(excessBounds(a, withLimits([lim('default', 10, 60), lim('burst', 5, 1, false)], 7))!, /looser/)
    assert.match(excessBounds(a, withLimits([lim('default', 10, 60), lim('burst', 5, 1)], 8))!, /identity/)
    assert.match(excessBounds(a, withLimits([lim('default', 10, 60), lim('burst', 5, 1)]))!, /identity/)
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
