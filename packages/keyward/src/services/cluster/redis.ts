import { Redis } from 'ioredis'

/**
 * How long a Redis command may go unanswered before it fails: a Redis that stops answering
 * without closing (a half-open link) held a rate-limited verification and a revocation's
 * publish with no end (an attacker's find). Failing, the rate limiter falls back to the node's
 * memory counters. The bus's connections wait `PUBLISH_TIMEOUT_MS` instead (`HeardBus`): each
 * lost publish clears every node's cache, so a reply read late must not count as one.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 500

/**
 * An ioredis connection for Keyward. Commands fail fast while Redis is away
 * (no offline queue) or after `REDIS_COMMAND_TIMEOUT_MS` unanswered, so a verification falls
 * back instead of waiting; the connection itself keeps retrying in the background.
 */
export function openRedis(url: string, name: string, commandTimeoutMs = REDIS_COMMAND_TIMEOUT_MS): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    autoResubscribe: false,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
  })
}
