import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { KeywardError } from '../core/errors.js'

/** Limits of the SQLite read pool. */
export interface ReadPoolOptions {
  /** Reader processes (each with its own read-only connection), started on demand. */
  size: number
  /** Longest one statement may run before its reader is killed, and longest it may wait for a reader. */
  budgetMs: number
}

/** Rows of one read, as better-sqlite3 returns them. */
export type ReadRows = Record<string, unknown>[]

interface Job {
  sql: string
  parameters: readonly unknown[]
  resolve(rows: ReadRows): void
  reject(e: unknown): void
  /** Fails the job if no reader took it within the budget. */
  queueTimer: NodeJS.Timeout
}

interface Slot {
  reader: ChildProcess
  /** The reader has opened its connection: its start-up time never counts against a statement's budget. */
  ready: boolean
  job: Job | null
  runTimer: NodeJS.Timeout | null
  /** Rows of the running statement received so far. */
  rows: ReadRows
}

type Answer =
  | { ready: true }
  | { columns: string[]; rows: unknown[][]; more: boolean }
  | { error: { message: string; code?: string } }

const WORKER_PATH = fileURLToPath(new URL('./read-worker.js', import.meta.url))

/** The answer to a statement that outran its budget: the request asked for more than a node gives one read. */
export function tooExpensive(budgetMs: number, cause?: unknown): KeywardError {
  return new KeywardError(
    'query_too_expensive',
    `the query took longer than the ${budgetMs} ms budget of one read and was stopped; narrow the filter or search, or ask for fewer rows`,
    { cause },
  )
}

/**
 * Runs read statements of one SQLite file in reader processes, so a slow listing, search
 * or OData query never holds the event loop that verifications, /healthz and SIGTERM need.
 * Processes rather than worker threads: `worker.terminate()` cannot stop a thread inside
 * SQLite's native code (it waits for the statement to return), while SIGKILL stops a process.
 *
 * Invariants, enforced here:
 * - A statement runs at most `budgetMs`: past it, its reader is killed (better-sqlite3 has no
 *   interrupt), the caller gets `query_too_expensive`, and a fresh reader is started in its place.
 * - A statement waits at most `budgetMs` for a free reader, then fails with `unavailable`
 *   (503, retry later): a burst of slow requests queues briefly instead of piling up.
 * - The main thread takes in a result one chunk (500 rows) per turn of its loop: the reader
 *   waits for each chunk's acknowledgement, given from `setImmediate`, so requests queued
 *   meanwhile (verifications) are served between chunks of a large result.
 * - After `close()` no reader is left running and every pending statement has failed, so the
 *   process can exit.
 * Reads see every committed write (WAL); a write's own transaction is not visible here until
 * it commits, which is why transactions stay on the main connection.
 */
export class ReadPool {
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private closed = false

  constructor(
    private readonly path: string,
    private readonly opts: ReadPoolOptions,
  ) {}

  /** Runs one read statement on a reader; rejects with `query_too_expensive` past the budget. */
  query(sql: string, parameters: readonly unknown[]): Promise<ReadRows> {
    if (this.closed) return Promise.reject(shuttingDown())
    return new Promise((resolve, reject) => {
      const job: Job = {
        sql,
        parameters,
        resolve,
        reject,
        queueTimer: setTimeout(() => this.expireQueued(job), this.opts.budgetMs),
      }
      this.queue.push(job)
      this.dispatch()
    })
  }

  /** Reader processes currently started (for tests and metrics). */
  get readers(): number {
    return this.slots.length
  }

  /** Fails pending statements and kills every reader; resolves once they have exited. */
  async close(): Promise<void> {
    this.closed = true
    for (const job of this.queue.splice(0)) this.fail(job, shuttingDown())
    const slots = this.slots.splice(0)
    for (const s of slots) if (s.job) this.fail(s.job, shuttingDown(), s)
    await Promise.all(slots.map((s) => kill(s.reader)))
  }

  /** Gives queued statements to ready readers, and starts readers for those still waiting. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return
      if (slot.ready && !slot.job) this.start(slot, this.queue.shift()!)
    }
    const starting = this.slots.filter((s) => !s.ready).length
    for (let n = starting; n < this.queue.length && this.slots.length < this.opts.size; n++) this.spawn()
  }

  private start(slot: Slot, job: Job): void {
    clearTimeout(job.queueTimer)
    slot.job = job
    slot.rows = []
    slot.runTimer = setTimeout(() => this.expireRunning(slot), this.opts.budgetMs)
    slot.reader.send({ sql: job.sql, parameters: job.parameters })
  }

  private spawn(): void {
    // No inherited loader flags (tsx): the reader is plain JavaScript and starts faster without them.
    const reader = fork(WORKER_PATH, [this.path], {
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    const slot: Slot = { reader, ready: false, job: null, runTimer: null, rows: [] }
    slot.reader.on('message', (a: Answer) => this.answered(slot, a))
    slot.reader.on('error', (e) => this.crashed(slot, e))
    slot.reader.on('exit', (code, signal) => this.crashed(slot, new Error(`reader exited (${signal ?? code})`)))
    this.slots.push(slot)
  }

  private answered(slot: Slot, a: Answer): void {
    if ('ready' in a) {
      slot.ready = true
      return this.dispatch()
    }
    const job = slot.job
    if (!job) return
    if ('error' in a)
      return this.finish(slot, () => job.reject(Object.assign(new Error(a.error.message), { code: a.error.code })))
    for (const row of a.rows) slot.rows.push(toObject(a.columns, row))
    const rows = slot.rows
    if (!a.more) return this.finish(slot, () => job.resolve(rows))
    setImmediate(() => slot.job === job && slot.reader.send('next'))
  }

  private finish(slot: Slot, settle: () => void): void {
    this.release(slot)
    settle()
    this.dispatch()
  }

  private expireRunning(slot: Slot): void {
    if (!slot.job) return
    this.fail(slot.job, tooExpensive(this.opts.budgetMs), slot)
    this.remove(slot)
    void kill(slot.reader)
    // Replace it now: a statement that hit the budget is often followed by more like it, and a
    // reader started ahead keeps its start-up out of the next statement's wait.
    if (!this.closed) this.spawn()
    this.dispatch()
  }

  private expireQueued(job: Job): void {
    const i = this.queue.indexOf(job)
    if (i < 0) return
    this.queue.splice(i, 1)
    job.reject(
      new KeywardError('unavailable', 'the server is busy with other slow reads; retry shortly', { retryAfterS: 1 }),
    )
  }

  private crashed(slot: Slot, e: unknown): void {
    if (!this.slots.includes(slot)) return // terminated on purpose
    const failed = new KeywardError('internal', 'read pool reader failed', { cause: e })
    if (slot.job) this.fail(slot.job, failed, slot)
    this.remove(slot)
    // A reader that could not even open the database would fail again: fail the queue rather than respawn.
    if (!slot.ready) for (const job of this.queue.splice(0)) this.fail(job, failed)
    else this.dispatch()
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
    slot.rows = []
  }

  private remove(slot: Slot): void {
    const i = this.slots.indexOf(slot)
    if (i >= 0) this.slots.splice(i, 1)
  }
}

/** SIGKILL (a reader deep in SQLite ignores anything milder); resolves once the process is gone. */
async function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return
  const exited = once(p, 'exit')
  p.kill('SIGKILL')
  await exited
}

function shuttingDown(): KeywardError {
  return new KeywardError('unavailable', 'the server is shutting down; retry on another node', { retryAfterS: 1 })
}

function toObject(columns: string[], row: unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  for (let i = 0; i < columns.length; i++) o[columns[i]!] = row[i]
  return o
}
