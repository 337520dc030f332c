import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { type BusListener, type InvalidationBus, decodeInvalidation, encodeInvalidation } from './invalidation-bus.js'
import { PUBLISH_TIMEOUT_MS } from './heard-bus.js'
import { connectRedis, openRedis } from './redis.js'

/**
 * Redis pub/sub. One connection subscribes, one publishes. ioredis reconnects by
 * itself; this bus re-subscribes on every reconnection and reports the gap.
 */
export class RedisInvalidationBus implements InvalidationBus {
  readonly kind = 'redis'
  private readonly sub: Redis
  private readonly pub: Redis
  private listener: BusListener | null = null
  private up = false
  private closed = false

  /** Connection name of the subscriber, unique per node, so operators (and tests) can find it in CLIENT LIST. */
  readonly subscriberName = `keyward-bus-sub-${randomBytes(4).toString('hex')}`

  constructor(
    private readonly url: string,
    private readonly channel: string,
  ) {
    // Past `HeardBus`'s own deadline, so a silent publish ends there, as a `PublishTimeout`.
    this.sub = openRedis(url, this.subscriberName, PUBLISH_TIMEOUT_MS + 500)
    this.pub = openRedis(url, 'keyward-bus-pub', PUBLISH_TIMEOUT_MS + 500)
    // Connection errors are retried by ioredis; without a handler they would be thrown.
    this.sub.on('error', () => {})
    this.pub.on('error', () => {})
  }

  get connected(): boolean {
    return this.up
  }

  async start(listener: BusListener): Promise<void> {
    this.listener = listener
    this.sub.on('message', (channel: string, payload: string) => {
      const m = channel === this.channel ? decodeInvalidation(payload) : null
      if (m) this.listener?.onInvalidate(m.hashes, m.sentAtMs)
    })
    await Promise.all([connectRedis(this.sub, this.url), connectRedis(this.pub, this.url)])
    await this.sub.subscribe(this.channel)
    this.up = true
    // Registered once the first subscription holds, so only later losses count.
    this.sub.on('close', () => {
      if (!this.up || this.closed) return
      this.up = false
      this.listener?.onDown()
    })
    this.sub.on('ready', () => {
      if (this.up || this.closed) return
      this.sub.subscribe(this.channel).then(
        () => {
          if (this.up || this.closed) return
          this.up = true
          this.listener?.onUp()
        },
        () => this.sub.disconnect(true), // try again from a fresh connection
      )
    })
  }

  renew(): void {
    // A command timed out does not drop a silent connection; the subscriber resubscribes on `ready`.
    this.pub.disconnect(true)
    this.sub.disconnect(true)
  }

  async publish(hashes: readonly string[]): Promise<void> {
    for (const payload of encodeInvalidation(hashes)) await this.pub.publish(this.channel, payload)
  }

  async close(): Promise<void> {
    this.closed = true
    this.up = false
    this.sub.disconnect()
    this.pub.disconnect()
  }
}
