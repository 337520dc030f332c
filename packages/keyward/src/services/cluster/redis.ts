import { Redis } from 'ioredis'

/**
 * An ioredis connection for Keyward. Commands fail fast while Redis is away
 * (no offline queue), so a verification falls back instead of waiting; the
 * connection itself keeps retrying in the background.
 */
export function openRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResubscribe: false,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
  })
}
