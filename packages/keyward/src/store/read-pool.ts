import { Worker } from 'node:worker_threads'
import { KeywardError } from '../core/errors.js'

/** Limits of the SQLite read pool. */
export interface ReadPoolOptions {
  /** Worker threads (each with its own read-only connection), started on demand. */
  size: number
  /** Longest one statement may run before its worker is terminated, and longest it may wait for a worker. */
  budgetMs: number
}

/** Rows of one read, as better-sqlite3 returns them. */
export type ReadRows = Record<string, unknown>[]

interface Job {
  sql: string
  parameters: readonly unknown[]
  resolve(rows: ReadRows): void
  reject(e: unknown): void
  /** Fails the job if no worker took it within the budget. */
  queueTimer: NodeJS.Timeout
}

interface Slot {
  worker: Worker
  job: Job | null
  runTimer: NodeJS.Timeout | null
}

type Answer = { columns: string[]; rows: unknown[][] } | { error: { message: string; code?: string } }

const WORKER_URL = new URL('./read-worker.js', import.meta.url)

/** The answer to a statement that outran its budget: the request asked for more than a node gives one read. */
export function tooExpensive(budgetMs: number, cause?: unknown): KeywardError {
  return new KeywardError('query_too_expensive',
    `the query took longer than the ${budgetMs} ms budget of one read and was stopped; narrow the filter or search, or ask for fewer rows`, { cause })
}

/**
 * Runs read statements of one SQLite file on worker threads, so a slow listing, search
 * or OData query never holds the event loop that verifications, /healthz and SIGTERM need.
 *
 * Invariants, enforced here:
 * - A statement runs at most `budgetMs`: past it, its worker is terminated (the only way to
 *   stop a synchronous better-sqlite3 call from outside), the caller gets `query_too_expensive`,
 *   and a fresh worker is started for the next statement.
 * - A statement waits at most `budgetMs` for a free worker, then fails with `unavailable`
 *   (503, retry later): a burst of slow requests queues briefly instead of piling up.
 * - After `close()` no worker is left running and every pending statement has failed, so the
 *   process can exit.
 * Reads see every committed write (WAL); a write's own transaction is not visible here until
 * it commits, which is why transactions stay on the main connection.
 */
export class ReadPool {
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private closed = false

  constructor(private readonly path: string, private readonly opts: ReadPoolOptions) {}

  /** Runs one read statement on a worker; rejects with `query_too_expensive` past the budget. */
  query(sql: string, parameters: readonly unknown[]): Promise<ReadRows> {
    if (this.closed) return Promise.reject(shuttingDown())
    return new Promise((resolve, reject) => {
      const job: Job = { sql, parameters, resolve, reject, queueTimer: setTimeout(() => this.expireQueued(job), this.opts.budgetMs) }
      this.queue.push(job)
      this.dispatch()
    })
  }

  /** Threads currently started (for tests and metrics). */
  get threads(): number {
    return this.slots.length
  }

  /** Fails pending statements and terminates every worker. */
  async close(): Promise<void> {
    this.closed = true
    for (const job of this.queue.splice(0)) this.fail(job, shuttingDown())
    const slots = this.slots.splice(0)
    for (const s of slots) if (s.job) this.fail(s.job, shuttingDown(), s)
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.job === null) ?? this.spawn()
      if (!slot) return
      this.start(slot, this.queue.shift()!)
    }
  }

  private start(slot: Slot, job: Job): void {
    clearTimeout(job.queueTimer)
    slot.job = job
    slot.runTimer = setTimeout(() => this.expireRunning(slot), this.opts.budgetMs)
    slot.worker.postMessage({ sql: job.sql, parameters: job.parameters })
  }

  private spawn(): Slot | undefined {
    if (this.slots.length >= this.opts.size) return undefined
    const slot: Slot = { worker: new Worker(WORKER_URL, { workerData: { path: this.path } }), job: null, runTimer: null }
    slot.worker.on('message', (a: Answer) => this.answered(slot, a))
    slot.worker.on('error', (e) => this.crashed(slot, e))
    slot.worker.on('exit', () => this.crashed(slot, new Error('read worker exited')))
    this.slots.push(slot)
    return slot
  }

  private answered(slot: Slot, a: Answer): void {
    const job = slot.job
    if (!job) return
    this.release(slot)
    if ('error' in a) job.reject(Object.assign(new Error(a.error.message), { code: a.error.code }))
    else job.resolve(toObjects(a.columns, a.rows))
    this.dispatch()
  }

  private expireRunning(slot: Slot): void {
    if (!slot.job) return
    this.fail(slot.job, tooExpensive(this.opts.budgetMs), slot)
    this.remove(slot)
    void slot.worker.terminate()
    this.dispatch()
  }

  private expireQueued(job: Job): void {
    const i = this.queue.indexOf(job)
    if (i < 0) return
    this.queue.splice(i, 1)
    job.reject(new KeywardError('unavailable', 'the server is busy with other slow reads; retry shortly', { retryAfterS: 1 }))
  }

  private crashed(slot: Slot, e: unknown): void {
    if (!this.slots.includes(slot)) return // terminated on purpose
    if (slot.job) this.fail(slot.job, new KeywardError('internal', 'read worker failed', { cause: e }), slot)
    this.remove(slot)
    this.dispatch()
  }

  private fail(job: Job, e: unknown, slot?: Slot): void {
    clearTimeout(job.queueTimer)
    if (slot) this.release(slot)
    job.reject(e)
  }

  private release(slot: Slot): void {
    if (slot.runTimer) clearTimeout(slot.runTimer)
    slot.runTimer = null
    slot.job = null
  }

  private remove(slot: Slot): void {
    const i = this.slots.indexOf(slot)
    if (i >= 0) this.slots.splice(i, 1)
  }
}

function shuttingDown(): KeywardError {
  return new KeywardError('unavailable', 'the server is shutting down; retry on another node', { retryAfterS: 1 })
}

function toObjects(columns: string[], rows: unknown[][]): ReadRows {
  return rows.map((r) => {
    const o: Record<string, unknown> = {}
    for (let i = 0; i < columns.length; i++) o[columns[i]!] = r[i]
    return o
  })
}
