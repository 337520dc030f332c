import assert from 'node:assert/strict'
import { mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { openStore } from '../../src/store/database.js'
import { migrateToLatest } from '../../src/store/migrations.js'

const modeOf = (path: string) => statSync(path).mode & 0o777

/**
 * The SQLite file holds password hashes, the Realm token signing secret and the key that opens the
 * webhook secrets: another account on the host must not read it. Created under the usual umask (022)
 * it was 0644, its WAL too (an operator's find).
 */
describe('the SQLite database is private to its owner', () => {
  it('a new database, its WAL and its directory are created readable by their owner only', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kw-mode-')), 'data')
    const file = join(dir, 'keyward.db')
    const store = openStore(`sqlite:${file}`)
    try {
      await migrateToLatest(store.db, 'sqlite')
      await sql`select count(*) from api_key`.execute(store.db)
      assert.equal(modeOf(file).toString(8), '600', 'BROKEN: others can read the database')
      assert.equal(modeOf(`${file}-wal`).toString(8), '600', 'BROKEN: others can read the WAL')
      assert.equal(modeOf(dir).toString(8), '700', 'the directory it made is private too')
    } finally {
      await store.close()
    }
  })

  it("an existing database's own mode is kept: the operator chose it", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kw-mode-')), 'keyward.db')
    writeFileSync(file, '', { mode: 0o640 })
    const store = openStore(`sqlite:${file}`)
    try {
      await migrateToLatest(store.db, 'sqlite')
      assert.equal(modeOf(file).toString(8), '640')
    } finally {
      await store.close()
    }
  })
})
