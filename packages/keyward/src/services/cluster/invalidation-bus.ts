/** What a node does when other nodes change keys, or when it stops hearing them. */
export interface BusListener {
  /** Another node wrote these key hashes: drop them from the cache. */
  onInvalidate(hashes: readonly string[]): void
  /** The bus connection is lost: invalidations may be missed from now on. */
  onDown(): void
  /** The bus is back (after `onDown`): invalidations are heard again. */
  onUp(): void
}

/**
 * Carries "these key hashes changed" from the node that wrote to every other node.
 * Implementations (PostgreSQL LISTEN/NOTIFY, Redis pub/sub, local) share this shape.
 */
export interface InvalidationBus {
  readonly kind: 'local' | 'postgres' | 'redis'
  /** Connects and starts delivering to `listener`. Throws when the first connection fails. */
  start(listener: BusListener): Promise<void>
  /** Publishes to every node (this one included). Rejects when the message could not be sent. */
  publish(hashes: readonly string[]): Promise<void>
  /** True while invalidations from other nodes are being heard. */
  readonly connected: boolean
  close(): Promise<void>
}

/** The channel name, shared by the PostgreSQL and Redis buses. */
export const INVALIDATION_CHANNEL = 'keyward_key_invalidation'

/**
 * Hashes per message. A PostgreSQL NOTIFY payload must stay under 8000 bytes;
 * 100 hex SHA-256 hashes in JSON are about 6700.
 */
const HASHES_PER_MESSAGE = 100

/** The JSON messages for a list of hashes, split to fit every transport. */
export function encodeInvalidation(hashes: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < hashes.length; i += HASHES_PER_MESSAGE)
    out.push(JSON.stringify(hashes.slice(i, i + HASHES_PER_MESSAGE)))
  return out
}

/** The hashes in a message, or null when it is not one of ours (never throws). */
export function decodeInvalidation(payload: string): string[] | null {
  try {
    const v: unknown = JSON.parse(payload)
    return Array.isArray(v) && v.every((h) => typeof h === 'string') ? v : null
  } catch {
    return null
  }
}

/** Reconnection delays: quick first retries, then at most every 2 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 2_000)
}

/** One process, no other nodes: nothing to hear, always connected. */
export class LocalInvalidationBus implements InvalidationBus {
  readonly kind = 'local'
  readonly connected = true
  async start(): Promise<void> {}
  async publish(): Promise<void> {}
  async close(): Promise<void> {}
}
