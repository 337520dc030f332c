// @ts-check
// One read worker of the SQLite read pool (read-pool.ts). Plain JavaScript on purpose: a worker
// thread does not inherit the tsx loader that `bin/keyward.js` registers on the main thread.
//
// Invariants:
// - The connection is read-only (`readonly` + `query_only`): a statement routed here by mistake
//   fails instead of writing outside the main connection, which serializes every write.
// - One statement at a time: the pool sends the next one only after this one's answer, so a
//   `worker.terminate()` from the pool (budget exceeded) stops exactly the statement it timed.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

const db = new Database(workerData.path, { readonly: true, fileMustExist: true })
db.pragma('query_only = ON')
// WAL (set by the main connection, persistent in the file) lets this reader run beside writers;
// the timeout only covers the moment a checkpoint or a migrating process holds the file.
db.pragma('busy_timeout = 5000')

parentPort?.on('message', (/** @type {{ sql: string, parameters: unknown[] }} */ q) => {
  try {
    const stmt = db.prepare(q.sql)
    if (!stmt.reader) throw Object.assign(new Error('the read pool runs reads only'), { code: 'SQLITE_READONLY' })
    // Rows travel as arrays plus one column list: a smaller structured clone for the main thread to read.
    const columns = stmt.columns().map((c) => c.name)
    parentPort?.postMessage({ columns, rows: stmt.raw(true).all(q.parameters) })
  } catch (e) {
    const err = /** @type {{ message?: string, code?: string }} */ (e)
    parentPort?.postMessage({ error: { message: String(err?.message ?? e), code: err?.code } })
  }
})
