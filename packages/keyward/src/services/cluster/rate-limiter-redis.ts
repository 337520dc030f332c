import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible'
import { RedisLimitCounters } from './limit-counters-redis.js'
import { FlexibleKeyRateLimiter } from './rate-limiter.js'
import { connectRedis, openRedis } from './redis.js'

/**
 * Limits shared by every node through Redis (one atomic Lua increment per request).
 * While Redis is unreachable each node falls back to its own in-memory counters:
 * verification keeps working, and the limit holds per node until Redis returns.
 */
export async function createRedisKeyRateLimiter(url: string, prefix: string): Promise<FlexibleKeyRateLimiter> {
  const client = openRedis(url, 'keyward-rate-limit')
  client.on('error', () => {}) // reconnects by itself; requests use the fallback meanwhile
  await connectRedis(client, url)
  return new FlexibleKeyRateLimiter(
    'redis',
    (points, duration, keyPrefix) =>
      new RateLimiterRedis({
        storeClient: client,
        points,
        duration,
        keyPrefix: prefix + keyPrefix,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration, keyPrefix }),
      }),
    async () => {
      client.disconnect()
    },
    new RedisLimitCounters(client, prefix),
  )
}
