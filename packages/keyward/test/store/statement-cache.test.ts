import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import { withStatementCache } from '../../src/store/statement-cache.js'

describe('prepared statements kept per SQLite connection', () => {
  it('hands out the same statement for the same SQL, and a fresh one while it is still iterating', () => {
    const raw = new BetterSqlite3(':memory:')
    const db = withStatementCache(raw)
    raw.exec('create table t (x integer); insert into t values (1), (2), (3)')
    const q = 'select x from t order by x'
    const first = db.prepare(q) as unknown as BetterSqlite3.Statement
    assert.equal(db.prepare(q), first)
    const rows = first.iterate()
    assert.deepEqual(rows.next().value, { x: 1 })
    const second = db.prepare(q) as unknown as BetterSqlite3.Statement
    assert.notEqual(second, first)
    assert.deepEqual(second.all(), [{ x: 1 }, { x: 2 }, { x: 3 }])
    assert.deepEqual([...rows], [{ x: 2 }, { x: 3 }])
    assert.equal(db.prepare(q), first) // done iterating: reusable again
    db.close()
  })

  it('stays bounded: past its size it starts over', () => {
    const raw = new BetterSqlite3(':memory:')
    const db = withStatementCache(raw, 2)
    const a = db.prepare('select 1')
    db.prepare('select 2')
    assert.equal(db.prepare('select 1'), a)
    db.prepare('select 3') // third distinct text: the cache is cleared, then holds this one
    assert.notEqual(db.prepare('select 1'), a)
    db.close()
  })

  it('does not keep a PRAGMA assignment, whose value is in its text: key writes do not empty the cache', () => {
    const raw = new BetterSqlite3(':memory:')
    const db = withStatementCache(raw, 4)
    const hot = db.prepare('select 1')
    // bumpKeyChanges writes `pragma user_version = <n>` once per key write, n new each time.
    for (let n = 1; n <= 10; n++) (db.prepare(`pragma user_version = ${n}`) as unknown as BetterSqlite3.Statement).run()
    assert.equal(db.prepare('select 1'), hot)
    assert.equal(raw.pragma('user_version', { simple: true }), 10)
    const read = db.prepare('PRAGMA user_version')
    assert.equal(db.prepare('PRAGMA user_version'), read) // a PRAGMA read is one text: kept
    db.close()
  })
})
