import type { KeyLookup } from '../../src/store/key-repository.js'

/** A cached key lookup of key `id`, whose responsible user is `holder`. */
export function lookup(id: number, holder: number): KeyLookup {
  return {
    key: {
      id,
      scopes: [],
      meta: {},
      expiresAt: null,
      disabledAt: null,
      revokedAt: null,
      ratelimits: [],
      remaining: null,
      refill: null,
    },
    owner: {
      kind: 'user',
      id: holder,
      actorId: holder + 1000,
      userId: holder,
      applicationId: null,
      organizationId: null,
    },
    role: 'member',
    matchedPrevious: false,
    previousHashExpiresAt: null,
    holderUserId: holder,
    contextRule: null,
    identity: null,
  } as unknown as KeyLookup
}

/** A key hash (64 hex digits) for `n`. */
export const hashOf = (n: number) => n.toString(16).padStart(64, '0')
