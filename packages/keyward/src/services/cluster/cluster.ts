import { type ClusterShape, canaryRecord, readClusterShape, recordClusterShape } from '../../store/cluster-settings.js'
import { bumpKeyChanges } from '../../store/key-changes.js'
import type { Kysely } from 'kysely'
import type { Config } from '../../config.js'
import type { Database } from '../../store/schema.js'
import type { Dialect } from '../../store/database.js'
import { INVALIDATION_CHANNEL, type InvalidationBus, LocalInvalidationBus } from './invalidation-bus.js'
import { PostgresInvalidationBus } from './invalidation-bus-postgres.js'
import { RedisInvalidationBus } from './invalidation-bus-redis.js'
import { BusCanary } from './bus-canary.js'
import { DEAF_AFTER_MS, HeardBus, PublishTimeout } from './heard-bus.js'
import { type KeyRateLimiter, MemoryKeyRateLimiter } from './rate-limiter.js'
import { createPostgresKeyRateLimiter } from './rate-limiter-postgres.js'
import { createRedisKeyRateLimiter } from './rate-limiter-redis.js'
import type { VerifyCache } from '../keys/verify-cache.js'
import type { StackMeter } from '../metrics/metrics.js'

/** The settings that decide how a node shares state with the others. */
export type ClusterSettings = Pick<
  Config,
  'databaseUrl' | 'redisUrl' | 'redisPrefix' | 'rateLimitStore' | 'invalidationBus' | 'cacheFallbackTtlMs'
>

const isPostgres = (url: string) => /^postgres(ql)?:\/\//.test(url)
const dialectOf = (url: string) => (isPostgres(url) ? 'postgres' : 'sqlite')

function resolve<K extends string>(
  wanted: 'auto' | K,
  redisUrl: string | null,
  databaseUrl: string,
  alone: K,
): K | 'redis' | 'postgres' {
  const kind = wanted !== 'auto' ? wanted : redisUrl ? 'redis' : isPostgres(databaseUrl) ? 'postgres' : alone
  if (kind === 'redis' && !redisUrl) throw new Error('the Redis rate limiter or bus needs KEYWARD_REDIS_URL')
  if (kind === 'postgres' && !isPostgres(databaseUrl))
    throw new Error('the PostgreSQL rate limiter or bus needs a postgres:// KEYWARD_DATABASE_URL')
  return kind
}

/** Where this process will count rate limits (`createKeyRateLimiter`'s choice, nothing opened). */
export const rateLimitStoreOf = (s: ClusterSettings) => resolve(s.rateLimitStore, s.redisUrl, s.databaseUrl, 'memory')

/** Memory on one node; Redis or PostgreSQL when several nodes must share limits. */
export async function createKeyRateLimiter(s: ClusterSettings): Promise<KeyRateLimiter> {
  const kind = rateLimitStoreOf(s)
  if (kind === 'redis') return createRedisKeyRateLimiter(s.redisUrl!, s.redisPrefix)
  if (kind === 'postgres') return createPostgresKeyRateLimiter(s.databaseUrl)
  return new MemoryKeyRateLimiter()
}

/**
 * Local on SQLite; PostgreSQL LISTEN/NOTIFY on PostgreSQL; Redis pub/sub when Redis is configured.
 * A shared bus is heard (`HeardBus`), its canaries recorded in the database: servers send them,
 * embedded verifiers only listen. Canary rows carry the database's clock (`canaryRecord`).
 */
export function createInvalidationBus(
  s: ClusterSettings,
  db: Kysely<Database>,
  role: 'server' | 'embedded',
): InvalidationBus {
  const kind = resolve(s.invalidationBus, s.redisUrl, s.databaseUrl, 'local')
  const now = () => performance.now()
  const heard = (inner: InvalidationBus) =>
    new HeardBus(inner, now, new BusCanary(canaryRecord(db, dialectOf(s.databaseUrl), role), DEAF_AFTER_MS, now))
  if (kind === 'redis') return heard(new RedisInvalidationBus(s.redisUrl!, s.redisPrefix + INVALIDATION_CHANNEL))
  if (kind === 'postgres') return heard(new PostgresInvalidationBus(s.databaseUrl, db))
  if (!s.databaseUrl.startsWith('sqlite:')) return new LocalInvalidationBus()
  return new LocalInvalidationBus(() => db.transaction().execute(bumpKeyChanges))
}

/** The database index of a Redis URL (`redis://host:6379/5` or `?db=5` → `5`; none → `0`), as ioredis reads it. */
export function redisDatabaseOf(url: string): string {
  // ioredis also takes a socket path or `host:port`, which are no URLs: database 0 unless `?db=`.
  const u = URL.canParse(url) && /^rediss?:/.test(url) ? new URL(url) : new URL(`redis://x/?${url.split('?')[1] ?? ''}`)
  return String(Number(/^\/(\d+)/.exec(u.pathname)?.[1] ?? u.searchParams.get('db') ?? 0))
}

const PUBLISH_ATTEMPTS = 3

/**
 * Connects a node's cache to the bus: remote writes evict; a lost bus clears the
 * cache and bounds every new entry by `fallbackTtlMs` until the bus is back, when
 * the cache is cleared again (invalidations sent during the gap were missed).
 * `ttlAlways` keeps the short TTL for a process that cannot hear writes at all (an embedded
 * verifier with a local bus on PostgreSQL; on SQLite it watches `key-change-watch.ts` instead).
 * Each heard message's publish → evict time goes to `meter`.
 */
export async function joinCluster(
  cache: VerifyCache,
  bus: InvalidationBus,
  fallbackTtlMs: number,
  onError: (e: unknown) => void,
  meter: Pick<StackMeter, 'invalidationHeard'>,
  ttlAlways = false,
): Promise<void> {
  if (ttlAlways) cache.setPositiveTtl(fallbackTtlMs)
  await bus.start({
    onInvalidate: (hashes, sentAtMs) => {
      cache.evict(hashes)
      if (sentAtMs !== null) meter.invalidationHeard(sentAtMs)
    },
    onDown: () => {
      cache.clear()
      cache.setPositiveTtl(fallbackTtlMs)
      onError(
        new Error(
          'invalidation bus lost, or it does not carry the other nodes’ messages (same Redis server as theirs?)' +
            ': cache cleared, short TTLs until it is heard again',
        ),
      )
    },
    onUp: () => {
      cache.clear()
      if (!ttlAlways) cache.setPositiveTtl(null)
    },
    onLost: () => cache.clear(),
  })
  cache.setPublisher(async (hashes) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await bus.publish(hashes)
      } catch (e) {
        // The write is committed and evicted here; failing the request now would not undo
        // it, so a message that cannot be sent after retries is reported (logged), not thrown.
        // A silent connection would keep the request waiting as long again: owed (`HeardBus`).
        if (attempt >= PUBLISH_ATTEMPTS || e instanceof PublishTimeout) {
          bus.publishLost?.()
          return onError(e)
        }
        await new Promise((r) => setTimeout(r, 25 * attempt))
      }
    }
  })
}

/**
 * The servers of a PostgreSQL database record what they share state through; an embedded
 * verifier that would share it otherwise refuses to start: one given the database URL alone,
 * while the servers published on Redis, answered VALID for revoked keys with no end and counted
 * limits apart (an attacker's find). A verifier that shares nothing by choice — a `local` bus
 * (short TTLs bound it, as for PgBouncer, which cannot LISTEN) or `memory` counters — has
 * nothing to disagree on, nor does a server's own `memory` limiter.
 */
export async function agreeOnClusterShape(
  db: Kysely<Database>,
  dialect: Dialect,
  role: 'server' | 'embedded',
  mine: ClusterShape,
  now: Date,
): Promise<void> {
  const clash = shapeClash(await readClusterShape(db), mine)
  if (role === 'embedded' && clash) throw new ShapeClash(clash)
  // A server records its shape for the others only when none of another shape runs: one started with another Redis
  // database index or prefix counted limits apart, and its record made the verifiers configured like the running
  // servers refuse to start (an operator's find). Running: a canary within the last 30 s (`canaryRecord`).
  if (role === 'server' && clash && (await canaryRecord(db, dialect, 'embedded').read()).length > 0)
    throw new Error(
      `the running servers of this database use ${clash.theirs} for their ${clash.name}, and this server uses ${clash.ours}: ` +
        'give it their settings (KEYWARD_REDIS_URL, KEYWARD_REDIS_PREFIX, KEYWARD_INVALIDATION_BUS, KEYWARD_RATE_LIMIT_STORE), ' +
        'or stop them all to change it (a server counts as running until 30 s after it stops)',
    )
  if (role === 'server') await recordClusterShape(db, mine, now)
}

/** An embedded verifier's refusal (`agreeOnClusterShape`); `clash` lets another embedder (the CLI) word its own. */
export class ShapeClash extends Error {
  constructor(readonly clash: { name: string; theirs: string; ours: string }) {
    super(
      `the servers of this database use ${clash.theirs} for their ${clash.name}, and this verifier uses ${clash.ours}: ` +
        `give it the servers' settings (redisUrl, redisPrefix, invalidationBus, rateLimitStore), or it would miss their revocations`,
    )
  }
}

/**
 * The first setting on which `mine` would not share state with the recorded servers: another bus or limiter where
 * both share one, or, where this node uses Redis, another prefix (another channel) or database index (limits counted
 * apart). A node that shares nothing by choice — a `local` bus or `memory` counters — has nothing to disagree on.
 */
function shapeClash(servers: Partial<ClusterShape>, mine: ClusterShape) {
  const shared = (v: string | undefined) => v === 'redis' || v === 'postgres'
  const usesRedis = mine.invalidation_bus === 'redis' || mine.rate_limit_store === 'redis'
  for (const name of ['invalidation_bus', 'rate_limit_store', 'redis_prefix', 'redis_database'] as const) {
    const [theirs, ours] = [servers[name], mine[name]]
    if (theirs === undefined || theirs === ours) continue
    if (name.startsWith('redis_') ? !usesRedis : !shared(theirs) || !shared(ours)) continue
    return { name: name.replaceAll('_', ' '), theirs, ours: ours ?? 'none' }
  }
  return null
}
