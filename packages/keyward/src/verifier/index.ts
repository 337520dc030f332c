import type { Registry } from 'prom-client'
import type { LimitRequest } from '../services/policies/limit-step.js'
import { type Config, loadConfig } from '../config.js'
import { type Clock, systemClock } from '../core/clock.js'
import type { CallContext } from '../core/restrictions.js'
import type { VerifyResult } from '../core/verify-result.js'
import { openVerifyStack } from '../services/verify-stack.js'

export type { VerifyCode, VerifyResult, RateLimitState } from '../core/verify-result.js'
export type { CallContext } from '../core/restrictions.js'
export type { TrustProxy } from './call-context.js'
export type { ChargeOptions, LimitCharge, PerRequest } from './charge.js'

/** Settings of an embedded verifier; everything but `databaseUrl` has the server's default. */
export interface VerifierConfig extends Partial<
  Pick<
    Config,
    | 'redisUrl'
    | 'redisPrefix'
    | 'cacheSize'
    | 'negativeCacheTtlMs'
    | 'cacheFallbackTtlMs'
    | 'usageFlushMs'
    | 'rateLimitStore'
    | 'invalidationBus'
  >
> {
  /** The Keyward server's database (`sqlite:<path>` or `postgres://…`), already migrated by it. */
  databaseUrl: string
  clock?: Clock
  /** Background failures (usage flushes, a lost invalidation bus). Default: ignored. */
  onError?: (e: unknown) => void
}

/** What one verification asks besides the key: scopes, named limits with their cost, credits, and where it comes from. */
export interface VerifyCallOptions extends LimitRequest {
  /** Scopes the key must hold, else INSUFFICIENT_SCOPES. */
  scopes?: readonly string[]
  /**
   * Where the call comes from (the middlewares fill it from the request). A key with restrictions
   * answers FORBIDDEN_CONTEXT when it does not match, or lacks the part the key restricts.
   */
  context?: CallContext
}

/** An in-process verifier: `verify` answers like `POST /v1/keys/verify`, without an HTTP hop. */
export interface KeywardVerifier {
  /** Verifies a presented key; never throws for a bad key (the answer says why). */
  verify(key: string, opts?: VerifyCallOptions): Promise<VerifyResult>
  /**
   * The same answer without a promise when it needs no I/O: a cached key (known or known-unknown)
   * or a malformed one. `undefined` means "call `verify`": the key is not cached, it has a usage
   * limit (an atomic database decrement), or a rate limit kept in Redis or PostgreSQL. Nothing is
   * counted or consumed when it returns `undefined`, so calling `verify` next counts once.
   */
  verifySync(key: string, opts?: VerifyCallOptions): VerifyResult | undefined
  /** Cached entries (for metrics). */
  readonly cacheSize: number
  /**
   * This verifier's Prometheus metrics (the `keyward_*` names of `/metrics`, without Node's default
   * process metrics, which the host exports itself): merge it into the host's registry with
   * prom-client's `Registry.merge([hostRegistry, verifier.metrics])`.
   */
  readonly metrics: Registry
  /** Flushes batched `last_used_at` writes and usage counters, and closes connections. */
  close(): Promise<void>
}

/**
 * Verifies keys in the caller's process against a Keyward database, with the same
 * cache, limits and invalidation as `keyward serve`: on PostgreSQL it listens to the
 * servers' invalidations (LISTEN/NOTIFY, or Redis pub/sub with `redisUrl`). On
 * SQLite, where no bus reaches another process, it polls the key-change counter every
 * 250 ms (`KEY_CHANGE_POLL_MS`) and clears its cache when a server changed a key.
 */
export async function createVerifier(config: VerifierConfig): Promise<KeywardVerifier> {
  const defaults = loadConfig({ KEYWARD_DATABASE_URL: config.databaseUrl })
  const c = { ...defaults, ...definedOnly(config) }
  const stack = await openVerifyStack(c, {
    clock: config.clock ?? systemClock,
    migrate: false,
    role: 'embedded',
    budgetUnknownKeys: false,
    onError: config.onError,
  })
  const { verifier, cache } = stack
  return {
    verify: (key, opts) => verifier.verify(key, opts),
    verifySync: (key, opts) => verifier.verifySync(key, opts),
    get cacheSize() {
      return cache.size
    },
    metrics: stack.metrics.registry,
    close: () => stack.close(),
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

export { keywardFastify, type KeywardFastifyOptions } from './fastify.js'
export { keywardMiddleware, type KeywardMiddlewareOptions } from './node.js'
export { keywardHono, type KeywardHonoOptions } from './hono.js'
