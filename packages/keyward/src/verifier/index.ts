import { type Config, loadConfig } from '../config.js'
import { type Clock, systemClock } from '../core/clock.js'
import type { VerifyResult } from '../core/verify-result.js'
import { createInvalidationBus, createKeyRateLimiter, joinCluster } from '../services/cluster/cluster.js'
import type { KeyRateLimiter } from '../services/cluster/rate-limiter.js'
import { chunkPacerFor } from '../services/keys/chunked-writes.js'
import { UsageRecorder } from '../services/keys/usage-recorder.js'
import { Verifier } from '../services/keys/verifier.js'
import { VerifyCache } from '../services/keys/verify-cache.js'
import { openStore } from '../store/database.js'
import { KeyRepository } from '../store/key-repository.js'
import { UsageRepository } from '../store/usage-repository.js'

export type { VerifyCode, VerifyResult, RateLimitState } from '../core/verify-result.js'

/** Settings of an embedded verifier; everything but `databaseUrl` has the server's default. */
export interface VerifierConfig extends Partial<Pick<Config,
  'redisUrl' | 'redisPrefix' | 'cacheSize' | 'negativeCacheTtlMs' | 'cacheFallbackTtlMs' | 'usageFlushMs' | 'rateLimitStore' | 'invalidationBus'>> {
  /** The Keyward server's database (`sqlite:<path>` or `postgres://…`), already migrated by it. */
  databaseUrl: string
  clock?: Clock
  /** Background failures (usage flushes, a lost invalidation bus). Default: ignored. */
  onError?: (e: unknown) => void
}

/** An in-process verifier: `verify` answers like `POST /v1/keys/verify`, without an HTTP hop. */
export interface KeywardVerifier {
  /** Verifies a presented key; never throws for a bad key (the answer says why). */
  verify(key: string, opts?: { scopes?: readonly string[] }): Promise<VerifyResult>
  /** Cached entries (for metrics). */
  readonly cacheSize: number
  /** Flushes batched `last_used_at` writes and usage counters, and closes connections. */
  close(): Promise<void>
}

/**
 * Verifies keys in the caller's process against a Keyward database, with the same
 * cache, limits and invalidation as `keyward serve`: on PostgreSQL it listens to the
 * servers' invalidations (LISTEN/NOTIFY, or Redis pub/sub with `redisUrl`). On
 * SQLite no bus reaches another process, so cached keys live `cacheFallbackTtlMs`.
 */
export async function createVerifier(config: VerifierConfig): Promise<KeywardVerifier> {
  const defaults = loadConfig({ KEYWARD_DATABASE_URL: config.databaseUrl })
  const c = { ...defaults, ...definedOnly(config) }
  const onError = config.onError ?? (() => {})
  const store = openStore(c.databaseUrl)
  const keys = new KeyRepository(store.db)
  const cache = new VerifyCache(c.cacheSize, c.negativeCacheTtlMs)
  const bus = createInvalidationBus(c, store.db)
  let limiter: KeyRateLimiter
  try {
    await joinCluster(cache, bus, c.cacheFallbackTtlMs, onError, bus.kind === 'local')
    limiter = await createKeyRateLimiter(c)
  } catch (e) {
    await bus.close()
    await store.close()
    throw e
  }
  const usage = new UsageRecorder(keys, c.usageFlushMs, onError, new UsageRepository(store.db), chunkPacerFor(store.dialect))
  usage.start()
  const verifier = new Verifier(keys, cache, limiter, usage, config.clock ?? systemClock)
  let closing: Promise<void> | null = null
  return {
    verify: (key, opts) => verifier.verify(key, opts),
    get cacheSize() {
      return cache.size
    },
    close() {
      closing ??= (async () => {
        await usage.stop()
        await bus.close()
        await limiter.close()
        await store.close()
      })()
      return closing
    },
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

export { keywardFastify, type KeywardFastifyOptions } from './fastify.js'
export { keywardMiddleware, type KeywardMiddlewareOptions } from './node.js'
export { keywardHono, type KeywardHonoOptions } from './hono.js'
