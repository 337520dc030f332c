// @ts-check
// The SQLite usage writer (usage-writer.ts): a worker thread with its own connection to the
// server's file, so the batched `last_used_at` and per-day counter writes never run on the
// server's event loop. A thread, not a process like the read pool's readers: a batch travels as
// transferred typed arrays (microseconds per message), and no statement here can run long (a
// chunk is paced to about 0.25 ms), so `worker.terminate()` waiting for one to return is harmless.
// Plain JavaScript: no TypeScript loader is needed to start it.
//
// Invariants, enforced here:
// - Each chunk is its own transaction (`BEGIN IMMEDIATE` … `COMMIT`), paced to `targetMs`, with a
//   pause of `gapMs` after it: the main connection's key writes wait for at most one chunk.
// - Progress is published in shared memory around each commit (`PROGRESS` slots, read by
//   usage-writer.ts): before COMMIT, the chunk's end and a token that the same transaction writes
//   to the file header (`application_id`); after COMMIT, the end again as acknowledged. A chunk
//   whose commit is not acknowledged (this thread died in between) is decided by comparing the
//   header with the token: committed chunks are never written again, uncommitted ones are.
// - `last_used_at` only moves forward; a key deleted since it was used is skipped (same SQL as
//   KeyRepository.touchLastUsed and UsageRepository.add). The key-change counter (`user_version`,
//   key-changes.ts) is never written: usage changes no verification's answer.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

/** @type {{ path: string, pragmas: string[], codes: string[], progress: SharedArrayBuffer, targetMs: number, gapMs: number, crashAt?: { chunk: number, when: 'before-commit' | 'after-commit' } }} */
const opts = workerData
/** Slots of `progress`: batch sequence, end of the chunk being committed, its token, acknowledged end. */
const [SEQ, PENDING_END, TOKEN, ACKED_END] = [0, 1, 2, 3]
const progress = new Int32Array(opts.progress)
const sleepCell = new Int32Array(new SharedArrayBuffer(4))

const db = new Database(opts.path, { fileMustExist: true })
for (const p of opts.pragmas) db.pragma(p)
/**
 * The header's token, read by one statement prepared once. `db.pragma()` prepares a statement
 * per call, and each keeps its native memory until this thread's collector finalizes it, which
 * this thread, allocating little, seldom runs: two a chunk left about 19,500 alive after one
 * flush of 100,000 keys (heaptrack, by hand). `exec` writes it without a statement object.
 */
const readToken = db.prepare('pragma application_id').pluck()

/**
 * Statements by row count. `last_used_at` chunks are powers of two, so a handful; a counters chunk has
 * one row per (key, code) that occurred, so sizes vary: past `MAX_STATEMENTS` per kind the cache starts over.
 */
const MAX_STATEMENTS = 64
const statements = { lastUsed: new Map(), counts: new Map() }
const SQL = {
  /** @param {number} n */
  lastUsed: (n) => `update api_key set last_used_at = v.column2 from (values ${rows(n, '(cast(? as integer), ?)')}) as v
    where api_key.id = v.column1 and (api_key.last_used_at is null or api_key.last_used_at < v.column2)`,
  /** @param {number} n */
  counts: (n) => `insert into key_usage (key_id, day, code, count)
    select v.column1, v.column2, v.column3, v.column4 from (values ${rows(n, '(cast(? as integer), ?, ?, cast(? as integer))')}) as v
    where exists (select 1 from api_key where api_key.id = v.column1)
    on conflict (key_id, day, code) do update set count = key_usage.count + excluded.count`,
}

/** @param {number} n @param {string} row */
function rows(n, row) {
  return Array.from({ length: n }, () => row).join(', ')
}

/** @param {'lastUsed' | 'counts'} kind @param {number} n */
function statement(kind, n) {
  const cache = statements[kind]
  let s = cache.get(n)
  if (s) return s
  if (cache.size >= MAX_STATEMENTS) cache.clear()
  cache.set(n, (s = db.prepare(SQL[kind](n))))
  return s
}

/**
 * Bound parameters of entries [from, to) of a batch: (id, ISO time) per key, or
 * (id, day, code, count) per code that occurred. Counts may yield no row (all zero: skipped).
 * @param {Batch} b @param {number} from @param {number} to
 */
function parameters(b, from, to) {
  const out = []
  if (b.kind === 'lastUsed') {
    for (let k = from; k < to; k++) {
      const i = /** @type {number} */ (b.order[k])
      out.push(b.ids[i], new Date(/** @type {number} */ (b.values[i])).toISOString())
    }
    return out
  }
  const width = opts.codes.length
  for (let k = from; k < to; k++) {
    const i = /** @type {number} */ (b.order[k])
    for (let c = 0; c < width; c++) {
      const n = b.values[i * width + c]
      if (n) out.push(b.ids[i], b.day, opts.codes[c], n)
    }
  }
  return out
}

/** @typedef {{ seq: number, kind: 'lastUsed' | 'counts', day?: string, ids: Float64Array, values: Float64Array | Uint32Array, order: Uint32Array }} Batch */

/** Writes entries [from, to) in one transaction, publishing progress around the commit. @param {Batch} b */
function writeChunk(b, from, to, chunkNo) {
  const params = parameters(b, from, to)
  const width = b.kind === 'lastUsed' ? 2 : 4
  db.exec('BEGIN IMMEDIATE')
  try {
    if (params.length > 0) statement(b.kind, params.length / width).run(params)
    // Read under the write lock: the token differs from what the header holds unless this commits.
    const token = /** @type {number} */ ((readToken.get() + 1) % 2 ** 31) | 0
    // A PRAGMA takes no bound parameter; `token` is an integer made above. `exec`, not `db.pragma()`:
    // see `readToken`.
    db.exec(`pragma application_id = ${token}`)
    Atomics.store(progress, TOKEN, token)
    Atomics.store(progress, PENDING_END, to)
    if (opts.crashAt?.chunk === chunkNo && opts.crashAt.when === 'before-commit') process.exit(1)
    db.exec('COMMIT')
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK')
    throw e
  }
  if (opts.crashAt?.chunk === chunkNo && opts.crashAt.when === 'after-commit') process.exit(1)
  Atomics.store(progress, ACKED_END, to)
}

/** Chunk sizes: like services/keys/chunked-writes.ts's ChunkPacer, sized from the last chunk's cost per row. */
let size = 16
const next = () => Math.max(4, 2 ** Math.floor(Math.log2(size)))
/** @param {number} n @param {number} ms */
function observe(n, ms) {
  size = Math.max(4, Math.min(1000, Math.floor((n * opts.targetMs) / Math.max(ms, 0.01)), size * 2))
}

/**
 * Entries in ascending key id: a chunk's rows then share pages (rows and `key_usage` are
 * clustered by key id; see chunked-writes.ts), so its commit writes a few pages, not one per row.
 * Written to `b.order` (shared: the main thread reads acknowledged entries through it).
 * @param {Batch} b
 */
function sortEntries(b) {
  const ids = b.ids
  const order = Uint32Array.from({ length: ids.length }, (_, i) => i).sort(
    (x, y) => /** @type {number} */ (ids[x]) - /** @type {number} */ (ids[y]),
  )
  b.order.set(order)
}

/** @param {Batch} b */
function write(b) {
  sortEntries(b)
  Atomics.store(progress, SEQ, b.seq)
  Atomics.store(progress, PENDING_END, 0)
  Atomics.store(progress, ACKED_END, 0)
  let chunkNo = 0
  for (let from = 0; from < b.ids.length; chunkNo++) {
    const to = Math.min(b.ids.length, from + next())
    const start = performance.now()
    writeChunk(b, from, to, chunkNo)
    observe(to - from, performance.now() - start)
    from = to
    // Leave the write lock free for a while: the main connection's busy handler retries after 1 ms.
    if (from < b.ids.length) Atomics.wait(sleepCell, 0, 0, opts.gapMs)
  }
}

parentPort?.on('message', (/** @type {Batch} */ b) => {
  try {
    write(b)
    parentPort?.postMessage({ seq: b.seq })
  } catch (e) {
    const err = /** @type {{ message?: string, code?: string }} */ (e)
    parentPort?.postMessage({ seq: b.seq, error: { message: String(err?.message ?? e), code: err?.code } })
  }
})
parentPort?.postMessage({ ready: true })
