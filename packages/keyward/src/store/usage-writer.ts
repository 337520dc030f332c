import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { type Kysely, sql } from 'kysely'
import type { Database } from './schema.js'
import type { CountBatch, LastUsedBatch, UsageBatch } from './usage-batch.js'

/** What writing a batch came to: null when all of it landed, else the first error (the rest stays in the batch). */
export type BatchOutcome = { error: unknown } | null

/**
 * Where a usage flush writes its detached batches. Both methods delete each entry from `batch`
 * once it is durably written, and only then, so what is left after a failure is exactly what
 * the next flush must write (`services/keys/usage-recorder.ts` keeps it pending).
 */
export interface UsageWrites {
  /** `last_used_at` (epoch ms) per key id: a stored one only moves forward (a later one is kept). */
  lastUsed(batch: LastUsedBatch): Promise<BatchOutcome>
  /** Counters of one UTC day (`YYYY-MM-DD`): per key id, a count per code (indexes of `codes`). */
  counts(day: string, batch: CountBatch): Promise<BatchOutcome>
  /** Stops what the writes need (a worker); call once nothing is in flight. */
  close(): Promise<void>
}

/** Settings of the writer thread (tests add `crashAt`). */
export interface UsageWriterOptions {
  /** The outcome codes, in the order of a counter's slots. */
  codes: readonly string[]
  /** The main connection's PRAGMAs (`SQLITE_PRAGMAS`): the same WAL, sync and busy timeout. */
  pragmas: readonly string[]
  /** What one chunk (one transaction) should cost, and the pause after it that leaves the write lock to others. */
  targetMs?: number
  gapMs?: number
  /** Test only: the thread exits at this chunk of each batch, before or after its COMMIT. */
  crashAt?: { chunk: number; when: 'before-commit' | 'after-commit' }
}

const WORKER_PATH = fileURLToPath(new URL('./usage-writer-worker.js', import.meta.url))
/** Slots of the shared progress record (see usage-writer-worker.js). */
const [SEQ, PENDING_END, TOKEN, ACKED_END] = [0, 1, 2, 3]

type Settled = { error?: unknown; exited?: boolean }

/**
 * Writes usage batches of a SQLite file on a worker thread with its own connection, so a
 * flush costs the server's event loop only a block copy of its batch into shared typed arrays
 * (posted without a copy). PostgreSQL and in-memory SQLite keep the in-thread writer
 * (`services/keys/usage-recorder.ts`): PostgreSQL statements do not block, and an in-memory
 * database exists on one connection only.
 *
 * Invariants, enforced here and in usage-writer-worker.js:
 * - An entry leaves its batch only once its chunk's commit is acknowledged (`settle`), so a
 *   worker error or death leaves the unwritten rest pending; the next flush starts a new worker.
 * - A chunk that committed but whose acknowledgement was lost (the thread died between COMMIT
 *   and publishing it) is recognised by the token its transaction wrote to the file header
 *   (`application_id`, read here on the main connection when the thread is gone), so it is
 *   not written again: counted once. Exact while this process is the file's only usage writer;
 *   an embedded verifier writing usage to the same file could overwrite the header in the
 *   milliseconds between the death and the check, and that one chunk would be written again.
 * - One batch at a time (the recorder awaits each); the worker is unreferenced while idle, so
 *   it never keeps a process alive, and referenced while a batch is in flight.
 */
export class UsageWriterThread implements UsageWrites {
  private worker: Promise<Worker> | null = null
  private readonly progress = new Int32Array(new SharedArrayBuffer(16))
  private seq = 0
  private settle: ((s: Settled) => void) | null = null

  constructor(
    private readonly path: string,
    /** The main connection: reads the header token after a worker died. */
    private readonly db: Kysely<Database>,
    private readonly opts: UsageWriterOptions,
  ) {}

  lastUsed(batch: LastUsedBatch): Promise<BatchOutcome> {
    return this.send('lastUsed', undefined, batch, packed(batch, Float64Array))
  }

  counts(day: string, batch: CountBatch): Promise<BatchOutcome> {
    return this.send('counts', day, batch, packed(batch, Uint32Array))
  }

  async close(): Promise<void> {
    const w = this.worker
    this.worker = null
    if (w) await (await w.catch(() => null))?.terminate()
  }

  private async send(
    kind: 'lastUsed' | 'counts',
    day: string | undefined,
    batch: UsageBatch,
    { ids, values }: Packed,
  ): Promise<BatchOutcome> {
    if (ids.length === 0) return null
    let worker: Worker
    try {
      worker = await this.start()
    } catch (error) {
      return { error }
    }
    const seq = ++this.seq
    // The worker writes entries in ascending id order (it sorts, off this loop) and publishes
    // that order here: acknowledged ends count entries of `order`.
    const order = new Uint32Array(new SharedArrayBuffer(ids.length * 4))
    const settled = new Promise<Settled>((resolve) => (this.settle = resolve))
    worker.ref()
    worker.postMessage({ seq, kind, day, ids, values, order })
    const s = await settled
    worker.unref()
    const written = await this.acknowledged(seq, s.exited === true)
    if (written === ids.length) batch.clear()
    else for (let i = 0; i < written; i++) batch.delete(ids[order[i]!]!)
    return s.error === undefined ? null : { error: s.error }
  }

  /**
   * How many entries of batch `seq` are durably written. After a normal answer (done, or a
   * statement error rolled back) that is the acknowledged end; after the thread died, the
   * chunk it was committing counts too if the file header holds that chunk's token.
   */
  private async acknowledged(seq: number, exited: boolean): Promise<number> {
    const p = this.progress
    if (Atomics.load(p, SEQ) !== seq) return 0
    const acked = Atomics.load(p, ACKED_END)
    const pending = Atomics.load(p, PENDING_END)
    if (!exited || pending <= acked) return acked
    const r = await sql<{ application_id: number }>`pragma application_id`.execute(this.db)
    return r.rows[0]?.application_id === Atomics.load(p, TOKEN) ? pending : acked
  }

  private start(): Promise<Worker> {
    this.worker ??= this.spawn()
    return this.worker
  }

  private spawn(): Promise<Worker> {
    // No inherited loader flags (tsx): the worker is plain JavaScript and starts faster without them.
    const w = new Worker(WORKER_PATH, {
      execArgv: [],
      workerData: {
        path: this.path,
        pragmas: this.opts.pragmas,
        codes: this.opts.codes,
        progress: this.progress.buffer,
        targetMs: this.opts.targetMs ?? 0.25,
        gapMs: this.opts.gapMs ?? 1,
        crashAt: this.opts.crashAt,
      },
    })
    w.unref()
    const started = new Promise<Worker>((resolve, reject) => {
      let lastError: unknown = null
      w.on('message', (m: { ready?: true; seq?: number; error?: { message: string; code?: string } }) => {
        if (m.ready) return resolve(w)
        const error = m.error && Object.assign(new Error(m.error.message), { code: m.error.code })
        this.finish(error ? { error } : {})
      })
      w.on('error', (e) => (lastError = e))
      w.on('exit', (code) => {
        const error = new Error(`usage writer thread exited (${code})`, { cause: lastError ?? undefined })
        if (this.worker === started) this.worker = null
        reject(error)
        this.finish({ error, exited: true })
      })
    })
    return started
  }

  private finish(s: Settled): void {
    const settle = this.settle
    this.settle = null
    settle?.(s)
  }
}

/** A batch as the worker reads it: ids, and `width` values per id, in shared memory (posted without a copy). */
interface Packed {
  ids: Float64Array
  values: Float64Array | Uint32Array
}

/**
 * A copy of `batch` in shared memory, which `postMessage` hands over without copying: a block copy
 * of its arrays on this loop (12,000 keys' counters, 480 kB with the shared buffers' allocation:
 * 0.3–0.8 ms, nine runs).
 */
function packed<A extends Float64Array | Uint32Array>(
  batch: UsageBatch<A>,
  Values: { new (b: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number },
): Packed {
  const ids = new Float64Array(new SharedArrayBuffer(batch.size * 8))
  const values = new Values(new SharedArrayBuffer(batch.size * batch.width * Values.BYTES_PER_ELEMENT))
  batch.packInto(ids, values)
  return { ids, values }
}
