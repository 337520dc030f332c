// @ts-check
// One reader of the SQLite read pool (read-pool.ts): a child process, not a worker thread,
// because a thread cannot be stopped while SQLite runs natively (`worker.terminate()` waits for
// the statement to return, which for a bad query is minutes); a process can be killed outright.
// Plain JavaScript: no TypeScript loader is needed to start it.
//
// Invariants:
// - The connection is read-only (`readonly` + `query_only`): a statement routed here by mistake
//   fails instead of writing outside the main connection, which serializes every write.
// - One statement at a time: the pool sends the next one only after this one's last chunk, so
//   killing this process (budget exceeded) stops exactly the statement the pool timed.
import { setPriority } from 'node:os'
import Database from 'better-sqlite3'
import { registerCaseFunctions } from './sql-case.js'

/** Rows per message: the most the server's main thread takes in of one result before serving other work. */
const CHUNK_ROWS = 500

// Lowest CPU priority: when cores are scarce, the server's event loop (verifications, /healthz) runs first.
try {
  setPriority(19)
} catch {
  // Not permitted here: reads still run, at normal priority.
}

const db = new Database(process.argv[2] ?? '', { readonly: true, fileMustExist: true })
db.pragma('query_only = ON')
// WAL (set by the main connection, persistent in the file) lets this reader run beside writers;
// the timeout only covers the moment a checkpoint or a migrating process holds the file.
db.pragma('busy_timeout = 5000')
// Searches and OData's tolower/toupper call PostgreSQL's case mapping, as on the main connection.
registerCaseFunctions(db)

/** @type {(() => void) | null} resumes the running statement once the pool has taken in its last chunk */
let resume = null
/** @param {unknown} m */
const send = (m) => process.send?.(m)

/** @param {{ sql: string, parameters: unknown[] }} q */
async function run(q) {
  try {
    const stmt = db.prepare(q.sql)
    if (!stmt.reader) throw Object.assign(new Error('the read pool runs reads only'), { code: 'SQLITE_READONLY' })
    // Rows travel as arrays plus one column list: less for the server's main thread to decode.
    const columns = stmt.columns().map((c) => c.name)
    let rows = []
    for (const row of stmt.raw(true).iterate(q.parameters)) {
      rows.push(row)
      if (rows.length < CHUNK_ROWS) continue
      send({ columns, rows, more: true })
      rows = []
      // Flow control: queued messages are all decoded in one turn of the server's loop; waiting keeps it to one chunk.
      await new Promise((r) => (resume = () => r(undefined)))
    }
    send({ columns, rows, more: false })
  } catch (e) {
    const err = /** @type {{ message?: string, code?: string }} */ (e)
    send({ error: { message: String(err?.message ?? e), code: err?.code } })
  }
}

process.on('message', (/** @type {any} */ m) => {
  if (m === 'next') return resume?.()
  void run(m)
})
// The server went away: nothing will read the answers.
process.on('disconnect', () => process.exit(0))
send({ ready: true })
