import pg from 'pg'
import { RateLimiterMemory, RateLimiterPostgres } from 'rate-limiter-flexible'
import { RATE_LIMIT_TABLE } from '../../store/migrations/0004_rate_limit.js'
import { PostgresLimitCounters } from './limit-counters-postgres.js'
import { FlexibleKeyRateLimiter } from './rate-limiter.js'

/**
 * Limits shared by every node through PostgreSQL (one atomic upsert per request on
 * the table made by migration 0004). A small pool of its own keeps limiter traffic
 * from starving the store's pool. If PostgreSQL fails, each node falls back to
 * in-memory counters.
 */
export function createPostgresKeyRateLimiter(url: string): FlexibleKeyRateLimiter {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'keyward-rate-limit' })
  pool.on('error', () => {}) // an idle client died; the pool replaces it
  return new FlexibleKeyRateLimiter(
    'postgres',
    (points, duration, keyPrefix) =>
      new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true,
        clearExpiredByTimeout: true,
        points,
        duration,
        keyPrefix,
        insuranceLimiter: new RateLimiterMemory({ points, duration, keyPrefix }),
      }),
    () => pool.end(),
    new PostgresLimitCounters(pool),
  )
}
