/** What a node does when other nodes change keys, or when it stops hearing them. */
export interface BusListener {
  /**
   * A node wrote these key hashes: drop them from the cache. `sentAtMs`: when it published
   * (epoch ms on its clock), null for a message of an older version that carries none.
   */
  onInvalidate(hashes: readonly string[], sentAtMs: number | null): void
  /** The bus connection is lost: invalidations may be missed from now on. */
  onDown(): void
  /** The bus is back (after `onDown`): invalidations are heard again. */
  onUp(): void
  /** A node could not send some invalidations (`LOST_INVALIDATIONS`): any entry may be stale. */
  onLost?(): void
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
  /** Drops its connections for new ones (`HeardBus`: this node does not hear itself). */
  renew?(): void
  /**
   * Publishes a heartbeat on a connection of the bus's own, when `publish` shares a pool with
   * other work (PostgreSQL): waiting for a pooled connection is not silence (`HeardBus`).
   */
  beat?(hashes: readonly string[]): Promise<void>
  /** A publish was given up after its retries: owe the other nodes a clear-all (`HeardBus`). */
  publishLost?(): void
  /** How long a publish may take before it is lost (default `PUBLISH_TIMEOUT_MS`). */
  readonly publishTimeoutMs?: number
  close(): Promise<void>
}

/**
 * The message of a node whose publish failed (`HeardBus`): every cache must be cleared. No key
 * hash or credential tag is `*`; a node of the previous version evicts it as one, harmlessly.
 */
export const LOST_INVALIDATIONS = '*'

/** The channel name, shared by the PostgreSQL and Redis buses. */
export const INVALIDATION_CHANNEL = 'keyward_key_invalidation'

/**
 * Hashes per message. A PostgreSQL NOTIFY payload must stay under 8000 bytes;
 * 100 hex SHA-256 hashes in JSON are about 6700.
 */
const HASHES_PER_MESSAGE = 100

/** A decoded message: the hashes to evict and when they were published (null: not said). */
export interface Invalidation {
  hashes: string[]
  sentAtMs: number | null
}

/**
 * The publication time travels as the array's first string, `t:<epoch ms>`, not as an object
 * around it: a node of the previous version (rolling upgrade) still reads the message as a
 * list of strings and evicts a `t:…` entry that cannot exist (no key hash or credential tag
 * starts so), so it keeps hearing every invalidation.
 */
const SENT_AT = 't:'

/** The JSON messages for a list of hashes, split to fit every transport, stamped with `sentAtMs`. */
export function encodeInvalidation(hashes: readonly string[], sentAtMs = Date.now()): string[] {
  const out: string[] = []
  for (let i = 0; i < hashes.length; i += HASHES_PER_MESSAGE)
    out.push(JSON.stringify([SENT_AT + sentAtMs, ...hashes.slice(i, i + HASHES_PER_MESSAGE)]))
  return out
}

/** The hashes in a message and its time, or null when it is not one of ours (never throws). */
export function decodeInvalidation(payload: string): Invalidation | null {
  try {
    const v: unknown = JSON.parse(payload)
    if (!Array.isArray(v) || !v.every((h) => typeof h === 'string')) return null
    const stamp = v[0]?.startsWith(SENT_AT) ? Number(v[0].slice(SENT_AT.length)) : NaN
    return Number.isFinite(stamp) ? { hashes: v.slice(1), sentAtMs: stamp } : { hashes: v, sentAtMs: null }
  } catch {
    return null
  }
}

/** Reconnection delays: quick first retries, then at most every 2 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 2_000)
}

/**
 * One process, no other nodes: nothing to hear, always connected. `onPublish` runs after each
 * invalidation (on SQLite: bump the key-change counter, so an embedded verifier in another
 * process sharing the file drops its cache for every write that invalidates, `store/key-changes.ts`).
 */
export class LocalInvalidationBus implements InvalidationBus {
  readonly kind = 'local'
  readonly connected = true
  constructor(private readonly onPublish: () => Promise<void> = async () => {}) {}
  async start(): Promise<void> {}
  async publish(): Promise<void> {
    await this.onPublish()
  }
  async close(): Promise<void> {}
}
