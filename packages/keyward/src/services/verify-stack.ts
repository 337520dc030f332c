import type { Config } from '../config.js'
import type { Clock } from '../core/clock.js'
import { KeywardError } from '../core/errors.js'
import { maskedUrl } from '../core/masked-url.js'
import { VERIFY_CODES } from '../core/verify-result.js'
import { SQLITE_PRAGMAS, type Store, type StoreBudgets, openStore } from '../store/database.js'
import { IdentityRepository } from '../store/identity-repository.js'
import { KeyRepository } from '../store/key-repository.js'
import { migrateToLatest } from '../store/migrations.js'
import { UsageRepository } from '../store/usage-repository.js'
import { type UsageWrites, UsageWriterThread } from '../store/usage-writer.js'
import {
  agreeOnClusterShape,
  createInvalidationBus,
  redisDatabaseOf,
  createKeyRateLimiter,
  joinCluster,
  rateLimitStoreOf,
} from './cluster/cluster.js'
import type { InvalidationBus } from './cluster/invalidation-bus.js'
import { type KeyChangeWatch, watchKeyChanges, watchOutsideWrites } from './cluster/key-change-watch.js'
import type { KeyRateLimiter } from './cluster/rate-limiter.js'
import { chunkPacerFor } from './keys/chunked-writes.js'
import { UnknownKeyBudget } from './keys/unknown-key-budget.js'
import { UsageRecorder, inThreadWrites } from './keys/usage-recorder.js'
import { VerifyCache } from './keys/verify-cache.js'
import { Verifier } from './keys/verifier.js'
import { KeywardMetrics } from './metrics/metrics.js'
import type { Tracing } from './tracing/tracing.js'
import { LimitStep } from './policies/limit-step.js'

/** The settings the verification stack reads (the server's `Config`, or an embedded verifier's). */
export type VerifyStackSettings = Pick<
  Config,
  | 'databaseUrl'
  | 'redisUrl'
  | 'redisPrefix'
  | 'rateLimitStore'
  | 'invalidationBus'
  | 'cacheFallbackTtlMs'
  | 'cacheSize'
  | 'negativeCacheTtlMs'
  | 'usageFlushMs'
  | 'unknownKeyRatePerS'
  | 'unknownKeyBurst'
>

/** Where the server and an embedded verifier differ; each option says why. */
export interface VerifyStackOptions {
  clock: Clock
  /**
   * Migrate the database to the latest schema after opening it. The server owns the schema (true);
   * an embedded verifier reads a database some server migrated and must never change it (false).
   */
  migrate: boolean
  /**
   * The server routes heavy reads (listings, OData, audit) through a read pool with time budgets
   * (`store/read-pool.ts`); an embedded verifier only makes point lookups, so it opens no pool (absent).
   */
  budgets?: StoreBudgets
  /**
   * Who may hear other processes' key writes. `'server'`: every write to this database goes through
   * some server, so a local bus (SQLite) is complete and positive entries live until evicted; the one
   * exception, an operator's tool, is polled for (`store/outside-writes.ts`).
   * `'embedded'`: on SQLite the writes happen in the server's process, which no bus reaches, so it
   * polls the key-change counter (`cluster/key-change-watch.ts`) and clears its cache when a key
   * changed; positive entries live until then. On PostgreSQL or Redis it hears the bus like a node;
   * a local bus forced on PostgreSQL has neither, so there cached keys live `cacheFallbackTtlMs`.
   */
  role: 'server' | 'embedded'
  /**
   * Budget NOT_FOUND answers per viewer (`unknownKeyRatePerS`, 0: off). Only the server's verify
   * endpoint passes a viewer; the embedded verifier and bearer authentication have none, so false there.
   */
  budgetUnknownKeys: boolean
  /** Background failures (usage flushes, a lost bus); replaceable with `setErrorHandler`. */
  onError?: (e: unknown) => void
  /** Spans of store queries and verifications (the server, when tracing is on); absent: none, nothing wrapped. */
  tracing?: Tracing | null
}

/** store → cache → bus → limiter → usage → verifier, wired once for the server and `createVerifier`. */
export interface VerifyStack {
  store: Store
  keyRepo: KeyRepository
  identityRepo: IdentityRepository
  usageRepo: UsageRepository
  cache: VerifyCache
  bus: InvalidationBus
  limiter: KeyRateLimiter
  usage: UsageRecorder
  verifier: Verifier
  /** This stack's Prometheus metrics (`/metrics`, or the embedded verifier's `metrics` for the host to merge). */
  metrics: KeywardMetrics
  /** Where background failures go from now on (the server's log, once its app exists). */
  setErrorHandler(onError: (e: unknown) => void): void
  /**
   * Idempotent. Flushes usage while the store is open, then closes the bus (no more evictions
   * or publications), the limiter's connections, and the store last: each step needs only what
   * is still open.
   */
  close(): Promise<void>
}

/**
 * Opens the store and wires the verification stack. A failure part-way closes what was
 * opened (bus, store) before rethrowing, so no connection is left behind.
 */
export async function openVerifyStack(s: VerifyStackSettings, opts: VerifyStackOptions): Promise<VerifyStack> {
  const dialect = s.databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres'
  const store = openStore(s.databaseUrl, opts.budgets, opts.tracing?.queryLog(dialect))
  let bus: InvalidationBus | null = null
  let watch: KeyChangeWatch | null = null
  try {
    if (opts.migrate) await migrateToLatest(store.db, store.dialect)
    let onError = opts.onError ?? (() => {})
    const report = (e: unknown) => onError(e)
    const cache = new VerifyCache(s.cacheSize, s.negativeCacheTtlMs)
    const metrics = new KeywardMetrics()
    bus = createInvalidationBus(s, store.db, opts.role)
    if (store.dialect === 'postgres') {
      const shape = { invalidation_bus: bus.kind, rate_limit_store: rateLimitStoreOf(s) }
      const usesRedis = shape.invalidation_bus === 'redis' || shape.rate_limit_store === 'redis'
      const redis = usesRedis ? { redis_prefix: s.redisPrefix, redis_database: redisDatabaseOf(s.redisUrl!) } : {}
      await agreeOnClusterShape(store.db, store.dialect, opts.role, { ...shape, ...redis }, opts.clock.now())
    }
    const deaf = opts.role === 'embedded' && bus.kind === 'local'
    await joinCluster(cache, bus, s.cacheFallbackTtlMs, report, metrics, deaf && store.dialect !== 'sqlite')
    if (deaf && store.dialect === 'sqlite') watch = await watchKeyChanges(store.db, () => cache.clear(), report)
    // A server's local bus hears its own writes only: an operator's tool writes beside it (`store/outside-writes.ts`).
    else if (store.dialect === 'sqlite') watch = await watchOutsideWrites(store.db, () => cache.clear(), report)
    const limiter = await createKeyRateLimiter(s)
    metrics.watch({ cache, bus, limiter })
    return wire(s, opts, {
      store,
      bus,
      watch,
      cache,
      limiter,
      metrics,
      report,
      setOnError: (h) => {
        onError = h
      },
    })
  } catch (e) {
    watch?.stop()
    await bus?.close()
    await store.close()
    throw unreachableAtStart(e, s.databaseUrl)
  }
}

/**
 * A store not reached at start says which (its password masked) and why, not the request path's "no database
 * connection is free; retry shortly": retrying does not help a wrong host, port or password.
 */
function unreachableAtStart(e: unknown, url: string): unknown {
  if (!(e instanceof KeywardError) || e.code !== 'unavailable' || !(e.cause instanceof Error)) return e
  return new Error(`cannot connect to the database at ${maskedUrl(url)}: ${e.cause.message}`, { cause: e.cause })
}

interface Opened {
  store: Store
  bus: InvalidationBus
  /** On SQLite, an embedded verifier's watch of the key-change counter, a server's of outside writes (null elsewhere). */
  watch: KeyChangeWatch | null
  cache: VerifyCache
  limiter: KeyRateLimiter
  metrics: KeywardMetrics
  report: (e: unknown) => void
  setOnError: (h: (e: unknown) => void) => void
}

function wire(s: VerifyStackSettings, opts: VerifyStackOptions, o: Opened): VerifyStack {
  const { store, bus, cache, limiter, metrics } = o
  const keyRepo = new KeyRepository(store.db, store.dialect, store.readDb)
  const usageRepo = new UsageRepository(store.db, store.dialect, store.readDb)
  const usage = new UsageRecorder(usageWrites(store, keyRepo, usageRepo), s.usageFlushMs, s.cacheSize, o.report, (t) =>
    metrics.flushed(t),
  )
  usage.start()
  const budget =
    opts.budgetUnknownKeys && s.unknownKeyRatePerS > 0
      ? new UnknownKeyBudget(s.unknownKeyRatePerS, s.unknownKeyBurst, opts.clock)
      : null
  const identityRepo = new IdentityRepository(store.db, store.dialect)
  const limits = new LimitStep(limiter, keyRepo, identityRepo)
  // Only the server authenticates bearers by the cached entry; an embedded verifier's answers go to applications.
  const parts = [keyRepo, cache, limits, usage, opts.clock, metrics, budget, opts.role === 'server'] as const
  const verifier = opts.tracing ? opts.tracing.verifier(metrics, ...parts) : new Verifier(...parts)
  let closing: Promise<void> | null = null
  return {
    store,
    keyRepo,
    identityRepo,
    usageRepo,
    cache,
    bus,
    limiter,
    usage,
    verifier,
    metrics,
    setErrorHandler(handler) {
      o.setOnError(handler)
      usage.setErrorHandler(handler)
    },
    close() {
      closing ??= (async () => {
        await usage.stop()
        o.watch?.stop()
        await bus.close()
        await limiter.close()
        await store.close()
      })()
      return closing
    },
  }
}

/**
 * Where usage flushes write: a worker thread with its own connection on a SQLite file (its
 * statements would hold the event loop, DESIGN "Flushes never hold the event loop"); on the
 * main connection elsewhere (PostgreSQL does not block; `:memory:` has one connection only).
 */
function usageWrites(store: Store, keyRepo: KeyRepository, usageRepo: UsageRepository): UsageWrites {
  if (store.file === undefined) return inThreadWrites(keyRepo, usageRepo, chunkPacerFor(store.dialect))
  return new UsageWriterThread(store.file, store.db, { codes: VERIFY_CODES, pragmas: SQLITE_PRAGMAS })
}
