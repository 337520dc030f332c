import { Redis } from 'ioredis'
import { maskedUrl } from '../../core/masked-url.js'

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

/**
 * Connects `client` at start, or fails saying where it could not: ioredis rejects with "Connection is closed."
 * alone, its reason (ECONNREFUSED, a wrong password) only on its 'error' event, and operators saw nothing else.
 * A failed client is disconnected, so it does not go on retrying behind a server that did not start.
 */
export async function connectRedis(client: Redis, url: string): Promise<void> {
  let reason: Error | undefined
  const keep = (e: Error) => {
    reason = e
  }
  client.on('error', keep)
  try {
    await client.connect()
  } catch (e) {
    client.disconnect()
    throw new Error(`cannot connect to Redis at ${maskedUrl(url)}: ${(reason ?? (e as Error)).message}`)
  } finally {
    client.off('error', keep)
  }
}
