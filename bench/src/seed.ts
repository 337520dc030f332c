/**
 * Bulk-loads keys straight into a store (not through the API: a million rows in
 * seconds). Every row is a copy of a template row the API created, with its own
 * hash, prefix and name, so columns other branches add keep the API's values and
 * this code does not have to know the schema.
 */
import { hash, randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import pg from 'pg'

/** Column overrides per cloned row. */
export interface Clone {
  hash: string
  prefix: string
  name: string
}

/** How a table's row identity and secret columns are named. */
export interface CloneSpec {
  table: string
  id: string
  /** Overridden columns: hash, visible prefix, name. */
  columns: { hash: string; prefix: string | null; name: string | null }
  /** A new id for each row (text ids); omitted for autoincrement ids. */
  newId?: () => string
}

/** SHA-256 hex of a key, as Keyward stores it. */
/**
 * SHA-256 hex, as Keyward's `hashSecret` computes it (one-shot `crypto.hash`): the in-process
 * baseline's hash must be the fastest one at hand, or the ratio flatters the verifier.
 */
export const sha256Hex = (s: string) => hash('sha256', s, 'hex')

/** Random rows no plaintext belongs to (the filler of the 1 M-key store). */
export function* fillerClones(n: number, start = 0): Generator<Clone> {
  for (let i = 0; i < n; i++)
    yield { hash: randomBytes(32).toString('hex'), prefix: 'kw_filler', name: `filler-${start + i}` }
}

function plan(cols: string[], spec: CloneSpec) {
  const c = spec.columns
  const override = new Map<string, keyof Clone | 'id'>([[c.hash, 'hash']])
  if (c.prefix) override.set(c.prefix, 'prefix')
  if (c.name) override.set(c.name, 'name')
  if (spec.newId) override.set(spec.id, 'id')
  const kept = cols.filter((x) => x !== spec.id || spec.newId)
  return { kept, params: kept.filter((x) => override.has(x)).map((x) => override.get(x)!), override }
}

/** Clones `templateId` once per row into a SQLite table, in transactions of 20 000. */
export function cloneSqlite(path: string, spec: CloneSpec, templateId: unknown, rows: Iterable<Clone>): number {
  const db = new Database(path)
  db.pragma('busy_timeout = 10000')
  // Bulk load: no fsync per transaction, and a page cache that holds the indexes (this connection closes after).
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -262144')
  const cols = (db.prepare(`pragma table_info(${spec.table})`).all() as { name: string }[]).map((r) => r.name)
  const { kept, params, override } = plan(cols, spec)
  const select = kept.map((x) => (override.has(x) ? '?' : `"${x}"`)).join(', ')
  const insert = db.prepare(
    `insert into ${spec.table} (${kept.map((x) => `"${x}"`).join(', ')}) select ${select} from ${spec.table} where "${spec.id}" = ?`,
  )
  const batch = db.transaction((chunk: Clone[]) => {
    for (const r of chunk) insert.run(...params.map((p) => (p === 'id' ? spec.newId!() : r[p])), templateId)
  })
  const n = drain(rows, 20_000, (chunk) => batch(chunk))
  db.close()
  return n
}

/** The same on PostgreSQL: one `insert … select … unnest` per 20 000 rows. */
export async function clonePg(
  url: string,
  spec: CloneSpec,
  templateId: unknown,
  rows: Iterable<Clone>,
): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const cols = (
      await client.query(
        `select column_name from information_schema.columns where table_name = $1 order by ordinal_position`,
        [spec.table],
      )
    ).rows.map((r) => r.column_name as string)
    const { kept, params, override } = plan(cols, spec)
    const select = kept.map((x) => (override.has(x) ? `u.${override.get(x)}` : `t."${x}"`)).join(', ')
    const arrays = params.map((p) => `$${params.indexOf(p) + 1}::text[]`).join(', ')
    const text = `insert into ${spec.table} (${kept.map((x) => `"${x}"`).join(', ')}) select ${select} from ${spec.table} t, unnest(${arrays}) as u(${params.join(', ')}) where t."${spec.id}" = $${params.length + 1}`
    const chunks: Clone[][] = []
    const n = drain(rows, 20_000, (chunk) => void chunks.push(chunk))
    for (const chunk of chunks)
      await client.query(text, [
        ...params.map((p) => chunk.map((r) => (p === 'id' ? spec.newId!() : r[p]))),
        templateId,
      ])
    return n
  } finally {
    await client.end()
  }
}

function drain(rows: Iterable<Clone>, size: number, each: (chunk: Clone[]) => void): number {
  let chunk: Clone[] = []
  let n = 0
  for (const r of rows) {
    chunk.push(r)
    n++
    if (chunk.length === size) {
      each(chunk)
      chunk = []
    }
  }
  if (chunk.length) each(chunk)
  return n
}
