import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ApiKey, Owner } from '../../src/core/types.js'
import { EntryCompactor } from '../../src/services/keys/cache-entry.js'
import type { KeyLookup } from '../../src/store/key-repository.js'

const owner = (applicationId: number | null = null): Owner => ({
  kind: 'user',
  id: 1,
  actorId: 7,
  userId: 1,
  applicationId,
  organizationId: null,
})

function lookup(id: number, over: Partial<ApiKey> = {}, o: Owner = owner()): KeyLookup<ApiKey> {
  const key: ApiKey = {
    id,
    actorId: 7,
    owner: { kind: 'user', id: 1 },
    kind: 'user',
    name: `k${id}`,
    description: 'd',
    keyPrefix: 'kw_abcdef',
    scopes: ['orders:read'],
    meta: {},
    expiresAt: null,
    disabledAt: null,
    userDeactivatedAt: null,
    previousSecretExpiresAt: null,
    revokedAt: null,
    revokedReason: null,
    ratelimits: [{ name: 'default', limit: 5, window_s: 60, auto_apply: true }],
    identityId: null,
    remaining: null,
    refill: null,
    lastRefillAt: null,
    lastUsedAt: null,
    restrictions: null,
    externalId: null,
    createdByActorId: 7,
    createdByKeyId: null,
    createdInGraceUntil: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  }
  return {
    key,
    owner: o,
    role: 'admin',
    matchedPrevious: false,
    previousHashExpiresAt: null,
    contextRule: null,
    identity: null,
    holderUserId: 1,
  }
}

describe('compact verification cache entries', () => {
  it('keep every field verify reads or answers, and nothing else', () => {
    const c = new EntryCompactor().compact(
      lookup(3, { meta: { plan: { tier: 'pro' } }, expiresAt: '2027-01-01T00:00:00.000Z', remaining: 4 }),
    )
    assert.deepEqual(c, {
      key: {
        id: 3,
        scopes: ['orders:read'],
        meta: { plan: { tier: 'pro' } },
        expiresAt: '2027-01-01T00:00:00.000Z',
        disabledAt: null,
        userDeactivatedAt: null,
        revokedAt: null,
        ratelimits: [{ name: 'default', limit: 5, window_s: 60, auto_apply: true }],
        remaining: 4,
        refill: null,
      },
      owner: owner(),
      role: 'admin',
      matchedPrevious: false,
      previousHashExpiresAt: null,
      contextRule: null,
      identity: null,
      holderUserId: 1,
      makerActorId: null,
      makerUserId: null,
    })
  })

  // The person an organization's own key acts for, and whose memberships bound it (`AuthService.makerOf`).
  it('keep an organization key’s maker', () => {
    const org = { ...owner(), kind: 'organization' as const, userId: 0, organizationId: 9 }
    const c = new EntryCompactor().compact({ ...lookup(4), owner: org, makerActorId: 7, makerUserId: 2 })
    assert.deepEqual([c.makerActorId, c.makerUserId], [7, 2])
  })

  it('are deeply frozen, so no caller can change what the next one is told', () => {
    const c = new EntryCompactor().compact(lookup(1, { meta: { plan: { tier: 'pro' } } }))
    assert.throws(() => c.key.scopes.push('admin'), TypeError)
    assert.throws(() => {
      ;(c.key.meta.plan as { tier: string }).tier = 'free'
    }, TypeError)
    assert.throws(() => {
      ;(c.owner as { userId: number }).userId = 2
    }, TypeError)
    assert.throws(() => {
      ;(c.key.ratelimits[0] as { limit: number }).limit = 1e9
    }, TypeError)
  })

  it('share one owner, one scope list and one empty meta between keys, but never an owner whose fields changed', () => {
    const comp = new EntryCompactor()
    const a = comp.compact(lookup(1))
    const b = comp.compact(lookup(2))
    assert.equal(a.owner, b.owner)
    assert.equal(a.key.scopes, b.key.scopes)
    assert.equal(a.key.meta, b.key.meta)
    const moved = comp.compact(lookup(3, {}, owner(9)))
    assert.notEqual(moved.owner, a.owner)
    assert.equal(moved.owner.applicationId, 9)
    const other = comp.compact(lookup(4, { scopes: ['orders:read', 'orders:write'] }))
    assert.deepEqual(other.key.scopes, ['orders:read', 'orders:write'])
  })
})
