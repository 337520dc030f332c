import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'

/**
 * Adds `count` filler keys owned by `actorId` to a Keyward SQLite file: prepared
 * inserts in transactions of 50 000 rows, the fast path for a million rows.
 */
export function fillSqlite(path: string, actorId: number, count: number): void {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  const now = new Date().toISOString()
  const insert = db.prepare(
    `insert into api_key (actor_id, kind, name, hash, key_prefix, scopes, meta, created_by_actor_id, created_at, updated_at)
     values (?, 'user', null, ?, 'kw_filler', '[]', '{}', ?, ?, ?)`,
  )
  const batch = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run(actorId, randomBytes(32).toString('hex'), actorId, now, now)
  })
  for (let done = 0; done < count; done += 50_000) batch(Math.min(50_000, count - done))
  db.close()
}
