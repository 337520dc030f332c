import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { keyStatus, missingScopes } from '../../src/core/policy.js'
import { canSeeOwner, coversScopes } from '../../src/core/authz.js'
import type { Owner, Principal } from '../../src/core/types.js'

const now = new Date('2026-06-01T00:00:00.000Z')

describe('key status', () => {
  it('orders revoked over disabled over expired', () => {
    const past = '2026-01-01T00:00:00.000Z'
    assert.equal(
      keyStatus({ revokedAt: past, disabledAt: past, userDeactivatedAt: null, expiresAt: past }, now),
      'revoked',
    )
    assert.equal(
      keyStatus({ revokedAt: null, disabledAt: past, userDeactivatedAt: null, expiresAt: past }, now),
      'disabled',
    )
    assert.equal(
      keyStatus({ revokedAt: null, disabledAt: null, userDeactivatedAt: null, expiresAt: past }, now),
      'expired',
    )
    assert.equal(
      keyStatus(
        { revokedAt: null, disabledAt: null, userDeactivatedAt: null, expiresAt: '2027-01-01T00:00:00.000Z' },
        now,
      ),
      'active',
    )
    assert.equal(
      keyStatus({ revokedAt: null, disabledAt: null, userDeactivatedAt: null, expiresAt: null }, now),
      'active',
    )
  })

  it("is disabled while the key's person is deactivated, whatever its own switch says", () => {
    const past = '2026-01-01T00:00:00.000Z'
    const live = { revokedAt: null, disabledAt: null, expiresAt: null }
    assert.equal(keyStatus({ ...live, userDeactivatedAt: past }, now), 'disabled')
    assert.equal(keyStatus({ ...live, expiresAt: past, userDeactivatedAt: past }, now), 'disabled')
    assert.equal(keyStatus({ ...live, revokedAt: past, userDeactivatedAt: past }, now), 'revoked')
  })

  it('expires exactly at expires_at', () => {
    assert.equal(
      keyStatus({ revokedAt: null, disabledAt: null, userDeactivatedAt: null, expiresAt: now.toISOString() }, now),
      'expired',
    )
  })
})

describe('scopes', () => {
  it('lists the missing scopes', () => {
    assert.deepEqual(missingScopes(['a', 'b'], ['a', 'c', 'd']), ['c', 'd'])
    assert.deepEqual(missingScopes([], []), [])
  })

  it('never lets a scoped caller grant a scope it lacks, nor full rights', () => {
    const scope = fc.constantFrom('a', 'b', 'c', 'd')
    fc.assert(
      fc.property(fc.uniqueArray(scope), fc.uniqueArray(scope), (held, wanted) => {
        const ok = coversScopes(held, wanted.length > 0 ? wanted : null)
        return ok === (wanted.length > 0 && wanted.every((s) => held.includes(s)))
      }),
    )
    assert.equal(coversScopes(null, null), true)
    assert.equal(coversScopes(null, ['x']), true)
  })
})

describe('visibility', () => {
  // Each user owns a personal organization (id: user id × 100) holding their applications.
  const user = (id: number, role: 'admin' | 'member' = 'member'): Principal => ({
    owner: { kind: 'user', id, actorId: id * 10, userId: id, applicationId: null, organizationId: null },
    role,
    orgs: { [id * 100]: 'owner' },
    scopes: null,
    via: 'session',
    keyId: null,
    sessionId: 1,
  })
  const appOwner = (appId: number, userId: number): Owner => ({
    kind: 'application',
    id: appId,
    actorId: 500 + appId,
    userId,
    applicationId: appId,
    organizationId: userId * 100,
  })
  const deviceOwner = (id: number, appId: number, userId: number): Owner => ({
    kind: 'device',
    id,
    actorId: 900 + id,
    userId,
    applicationId: appId,
    organizationId: userId * 100,
  })

  it('lets members see their own things and nothing else, admins everything', () => {
    assert.equal(canSeeOwner(user(1), user(1).owner), true)
    assert.equal(canSeeOwner(user(1), user(2).owner), false)
    assert.equal(canSeeOwner(user(1), appOwner(7, 1)), true)
    assert.equal(canSeeOwner(user(1), appOwner(7, 2)), false)
    assert.equal(canSeeOwner(user(1), deviceOwner(3, 7, 1)), true)
    assert.equal(canSeeOwner(user(1), deviceOwner(3, 7, 2)), false)
    assert.equal(canSeeOwner(user(9, 'admin'), deviceOwner(3, 7, 2)), true)
  })

  it('lets an application see itself and its devices, a device only itself', () => {
    const app: Principal = { ...user(1), owner: appOwner(7, 1) }
    assert.equal(canSeeOwner(app, appOwner(7, 1)), true)
    assert.equal(canSeeOwner(app, deviceOwner(3, 7, 1)), true)
    assert.equal(canSeeOwner(app, deviceOwner(4, 8, 1)), false)
    assert.equal(canSeeOwner(app, user(1).owner), false)
    const dev: Principal = { ...user(1), owner: deviceOwner(3, 7, 1) }
    assert.equal(canSeeOwner(dev, deviceOwner(3, 7, 1)), true)
    assert.equal(canSeeOwner(dev, deviceOwner(4, 7, 1)), false)
    assert.equal(canSeeOwner(dev, appOwner(7, 1)), false)
  })
})
