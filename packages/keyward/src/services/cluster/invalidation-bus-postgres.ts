import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import type { Database } from '../../store/schema.js'
import {
  type BusListener,
  INVALIDATION_CHANNEL,
  type InvalidationBus,
  decodeInvalidation,
  encodeInvalidation,
  reconnectDelayMs,
} from './invalidation-bus.js'

/** `application_name` of the listening connection, so operators (and tests) can find it. */
export const BUS_APPLICATION_NAME = 'keyward-invalidation-bus'

/**
 * PostgreSQL LISTEN/NOTIFY. Publishing goes through the store's pool; listening holds
 * one dedicated connection, re-opened with backoff whenever it drops. NOTIFY is
 * delivered after the publishing statement commits, to every listening session.
 */
export class PostgresInvalidationBus implements InvalidationBus {
  readonly kind = 'postgres'
  private client: pg.Client | null = null
  private listener: BusListener | null = null
  private up = false
  private closed = false
  private retry: NodeJS.Timeout | null = null

  constructor(
    private readonly url: string,
    private readonly db: Kysely<Database>,
  ) {}

  get connected(): boolean {
    return this.up
  }

  /** Server process id of the listening connection (operators, tests), or null while down. */
  get backendPid(): number | null {
    return (this.client as unknown as { processID?: number } | null)?.processID ?? null
  }

  async start(listener: BusListener): Promise<void> {
    this.listener = listener
    await this.connect()
  }

  /**
   * A publish waits for a pooled connection, and the pool refuses after its own 5 s budget
   * (`store/database.ts`), an error that is retried: a publish unanswered past that wait and a
   * NOTIFY's time is on a silent connection, lost. Not 2 s: a wait for a connection under load
   * is no loss, and each loss clears every node's cache (a reviewer's find).
   */
  readonly publishTimeoutMs = 6_000

  /** A heartbeat through the listening connection, which hears its own NOTIFY: no pool wait. */
  async beat(hashes: readonly string[]): Promise<void> {
    const c = this.client
    if (!c) throw new Error('the bus is not connected')
    for (const payload of encodeInvalidation(hashes))
      await c.query('select pg_notify($1, $2)', [INVALIDATION_CHANNEL, payload])
  }

  /** A listening connection gone silent is ended: `lost` reconnects. */
  renew(): void {
    if (this.client) this.lost(this.client)
  }

  async publish(hashes: readonly string[]): Promise<void> {
    for (const payload of encodeInvalidation(hashes)) {
      await sql`select pg_notify(${INVALIDATION_CHANNEL}, ${payload})`.execute(this.db)
    }
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.retry) clearTimeout(this.retry)
    const c = this.client
    this.client = null
    this.up = false
    await c?.end().catch(() => {})
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: BUS_APPLICATION_NAME,
      keepAlive: true,
    })
    // Both events may fire for one loss; `lost` acts once per client.
    client.on('error', () => this.lost(client))
    client.on('end', () => this.lost(client))
    client.on('notification', (m) => {
      const heard = m.channel === INVALIDATION_CHANNEL && m.payload ? decodeInvalidation(m.payload) : null
      if (heard) this.listener?.onInvalidate(heard.hashes, heard.sentAtMs)
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${INVALIDATION_CHANNEL}`)
    } catch (e) {
      await client.end().catch(() => {})
      throw e
    }
    if (this.closed) {
      await client.end().catch(() => {})
      return
    }
    this.client = client
    this.up = true
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return
    this.client = null
    client.end().catch(() => {})
    if (this.closed) return
    this.up = false
    this.listener?.onDown()
    this.reconnect(0)
  }

  private reconnect(attempt: number): void {
    this.retry = setTimeout(() => {
      this.retry = null
      if (this.closed) return
      this.connect().then(
        () => {
          if (this.up) this.listener?.onUp()
        },
        () => this.reconnect(attempt + 1),
      )
    }, reconnectDelayMs(attempt))
    this.retry.unref()
  }
}
