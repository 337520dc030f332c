import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { manualClock } from '../../src/core/clock.js'
import { generateKey, hashSecret } from '../../src/core/key-format.js'
import { compileRestrictions } from '../../src/core/restrictions.js'
import type { Principal } from '../../src/core/types.js'
import type { KeyLookup } from '../../src/store/key-repository.js'
import { Verifier, type Verified } from '../../src/services/keys/verifier.js'
import { VerifyCache } from '../../src/services/keys/verify-cache.js'

/**
 * Differential attack on prepared answers: two verifiers over identical caches and the same
 * "database", one with prepared answers (the code under test), one with them switched off (the
 * full checks on every hit, the behaviour before the change). Random keys (scopes, owners, expiry,
 * status, limits, identities, restrictions, grace secrets), random calls (viewers, scopes, named
 * limits, costs, contexts), random writes (invalidate), clears, TTL switches, clock steps landing
 * exactly on expiry, and a tiny cache so slots are reused all the time. Every answer and every
 * usage record must be identical. Written by an attacker given the invariant (a helper,
 * 2026-12-07); a prepared answer admitted at `nowMs <= untilMs` fails it (seed 5, step 57).
 */

// Fake performance.now so entries with a time to live can expire without sleeping.
let perfNow = 1_000_000
const realPerfNow = performance.now.bind(performance)
function fakePerf(on: boolean) {
  ;(performance as any).now = on ? () => perfNow : realPerfNow
}

function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

const meter = {
  answered: <R>(r: R) => r,
  sampledStart: () => NaN,
  lookedUp() {},
  rateLimited() {},
}

function usageLog() {
  const log: string[] = []
  return {
    log,
    hit(slot: number, keyId: number, ms: number) {
      log.push(`hit ${slot} ${keyId} ${ms}`)
    },
    count(keyId: number, code: string, ms: number) {
      log.push(`count ${keyId} ${code} ${ms}`)
    },
    touch(keyId: number, ms: number) {
      log.push(`touch ${keyId} ${ms}`)
    },
  }
}

const limits = {
  apply: async () => ({ code: 'VALID', remaining: 7, ratelimits: [], ratelimit: undefined }),
}

const owners = [
  { kind: 'user', id: 1, actorId: 101, userId: 1, applicationId: null, organizationId: null },
  { kind: 'user', id: 2, actorId: 102, userId: 2, applicationId: null, organizationId: null },
  { kind: 'organization', id: 10, actorId: 110, userId: null, applicationId: null, organizationId: 10 },
  { kind: 'application', id: 20, actorId: 120, userId: null, applicationId: 20, organizationId: 10 },
] as const

const principal = (owner: any, role: 'admin' | 'member', orgs: Record<number, any> = {}): Principal =>
  ({ owner, role, orgs, scopes: null, via: 'session', keyId: null, sessionId: null }) as unknown as Principal

const viewers: (Principal | undefined)[] = [
  undefined,
  principal(owners[0], 'admin'),
  principal(owners[0], 'member'),
  principal(owners[1], 'member', { 10: 'viewer' }),
  principal(owners[2], 'member'),
  principal(
    { kind: 'application', id: 20, actorId: 120, userId: null, applicationId: 20, organizationId: 10 },
    'member',
  ),
]

const SCOPES = ['a', 'b', 'c']

function describeAnswer(r: Verified): string {
  const { lookup, ...rest } = r as any
  return JSON.stringify({
    ...rest,
    lookup: lookup === undefined ? 'undef' : lookup.key.id,
    hasLookupKey: 'lookup' in r,
  })
}

function run(seed: number, size: number, steps: number) {
  const rand = rng(seed)
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!
  const clock = manualClock(new Date('2026-06-01T00:00:00.000Z'))
  const db = new Map<string, KeyLookup>()
  const secrets: string[] = []
  const secretKey = new Map<string, number>()
  let nextId = 1

  function randomLookup(id: number): KeyLookup {
    const now = clock.now().getTime()
    const plain = rand() < 0.5
    const q = plain ? 0 : 1
    const sc = SCOPES.filter(() => rand() < 0.5)
    const exp = rand() < 0.4 ? new Date(now + Math.floor(rand() * 50) * 10).toISOString() : null
    const matchedPrevious = rand() < 0.15 * q
    const owner = pick(owners)
    const withIdentity = rand() < 0.4
    return {
      key: {
        id,
        scopes: sc,
        meta: rand() < 0.3 ? { m: id } : {},
        expiresAt: exp,
        disabledAt: rand() < 0.1 * q ? '2026-01-01T00:00:00.000Z' : null,
        userDeactivatedAt: rand() < 0.05 * q ? '2026-01-01T00:00:00.000Z' : null,
        revokedAt: rand() < 0.1 * q ? '2026-01-01T00:00:00.000Z' : null,
        ratelimits:
          rand() < 0.15 * q
            ? [{ name: rand() < 0.5 ? 'default' : 'extra', limit: 5, window_s: 60, auto_apply: rand() < 0.5 }]
            : [],
        remaining: rand() < 0.1 * q ? 5 : null,
        refill: null,
      },
      owner,
      role: rand() < 0.2 ? 'admin' : 'member',
      matchedPrevious,
      previousHashExpiresAt: matchedPrevious ? new Date(now + Math.floor(rand() * 50) * 10).toISOString() : null,
      holderUserId: owner.userId,
      makerActorId: null,
      makerUserId: null,
      contextRule: rand() < 0.15 * q ? compileRestrictions({ ip_allow: ['10.0.0.0/8'] }) : null,
      identity: withIdentity
        ? ({
            id: 900 + id,
            ratelimits: rand() < 0.5 * q ? [{ name: 'extra', limit: 5, window_s: 60, auto_apply: rand() < 0.5 }] : [],
            remaining: rand() < 0.3 * q ? 5 : null,
            refill: null,
          } as any)
        : null,
    } as unknown as KeyLookup
  }

  for (let i = 0; i < 8; i++) {
    const s = generateKey()
    secrets.push(s)
    const id = nextId++
    secretKey.set(s, id)
    db.set(hashSecret(s), randomLookup(id))
  }
  secrets.push(generateKey()) // unknown

  const repo = { findByHash: async (h: string) => db.get(h) ?? null } as any
  const make = (prepared: boolean) => {
    const cache = new VerifyCache(size, 50)
    if (!prepared) {
      ;(cache as any).preparedAt = () => undefined
      ;(cache as any).prepare = () => {}
    }
    const usage = usageLog()
    const v = new Verifier(repo, cache, limits as any, usage as any, clock, meter, null, seed % 2 === 0)
    return { cache, usage, v }
  }
  const A = make(true)
  const B = make(false)

  const trace: string[] = []
  return (async () => {
    for (let step = 0; step < steps; step++) {
      const r = rand()
      if (r < 0.6) {
        const secret = pick(secrets)
        const opts: any = {}
        const viewer = pick(viewers)
        if (viewer) opts.viewer = viewer
        if (rand() < 0.4) opts.scopes = SCOPES.filter(() => rand() < 0.4)
        if (rand() < 0.15) opts.ratelimits = [{ name: pick(['default', 'extra', 'other']), cost: 1 }]
        if (rand() < 0.1) opts.cost = 0
        if (rand() < 0.3) opts.context = { ip: pick(['10.1.2.3', '192.168.0.1']) }
        const sync = rand() < 0.4
        let a: Verified | undefined
        let b: Verified | undefined
        if (sync) {
          a = A.v.verifySync(secret, opts)
          b = B.v.verifySync(secret, opts)
        } else {
          a = await A.v.verify(secret, opts)
          b = await B.v.verify(secret, opts)
        }
        const da = a === undefined ? 'undefined' : describeAnswer(a)
        const db_ = b === undefined ? 'undefined' : describeAnswer(b)
        trace.push(
          `${step} ${sync ? 'sync' : 'async'} key ${secretKey.get(secret)} ${JSON.stringify({ ...opts, viewer: opts.viewer?.owner.actorId })}`,
        )
        assert.equal(da, db_, `BROKEN seed ${seed} step ${step}: prepared vs full\n${trace.slice(-15).join('\n')}`)
        assert.deepEqual(
          A.usage.log,
          B.usage.log,
          `BROKEN usage seed ${seed} step ${step}\n${trace.slice(-15).join('\n')}`,
        )
      } else if (r < 0.72) {
        // clock: sometimes exactly onto an expiry or grace end
        const keyed = [...db.values()]
          .flatMap((l) => [l.key.expiresAt, l.previousHashExpiresAt])
          .filter((x) => x) as string[]
        if (rand() < 0.5 && keyed.length) {
          const t = Date.parse(pick(keyed)) + pick([-1, 0, 0, 1])
          if (t > clock.now().getTime()) clock.set(new Date(t))
        } else clock.advance(Math.floor(rand() * 30))
        trace.push(`${step} clock ${clock.now().getTime()}`)
      } else if (r < 0.85) {
        // a write to a key: new record, invalidated in both caches
        const secret = pick(secrets.slice(0, -1))
        const h = hashSecret(secret)
        db.set(h, randomLookup(secretKey.get(secret)!))
        A.cache.evict([h])
        B.cache.evict([h])
        trace.push(`${step} write key ${secretKey.get(secret)}`)
      } else if (r < 0.88) {
        A.cache.clear()
        B.cache.clear()
        trace.push(`${step} clear`)
      } else if (r < 0.92) {
        const ttl = pick([null, 5, 20])
        A.cache.setPositiveTtl(ttl)
        B.cache.setPositiveTtl(ttl)
        trace.push(`${step} ttl ${ttl}`)
      } else if (r < 0.97) {
        perfNow += Math.floor(rand() * 15)
        trace.push(`${step} perf ${perfNow}`)
      } else {
        // a user change: that user's keys condemned
        const uid = pick([1, 2])
        A.cache.evict([`u:${uid}`])
        B.cache.evict([`u:${uid}`])
        trace.push(`${step} user ${uid}`)
      }
    }
  })()
}

/** Answers given from a prepared answer, counted so the test proves it exercised them. */
let preparedHits = 0
const acceptPrepared = (Verifier.prototype as any).acceptPrepared
function countPrepared(on: boolean) {
  ;(Verifier.prototype as any).acceptPrepared = on
    ? function (this: Verifier, ...a: unknown[]) {
        preparedHits++
        return acceptPrepared.apply(this, a)
      }
    : acceptPrepared
}

describe('attack: prepared answers, differential against the full checks', () => {
  it('identical answers and usage over random keys, calls, writes and slot reuse', async () => {
    fakePerf(true)
    countPrepared(true)
    try {
      for (let seed = 1; seed <= 300; seed++) await run(seed, 1 + (seed % 9), 600)
      assert.ok(preparedHits > 1000, 'the prepared path was exercised')
    } finally {
      countPrepared(false)
      fakePerf(false)
    }
  })
})
