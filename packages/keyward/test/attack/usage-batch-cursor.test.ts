import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { VERIFY_CODES } from '../../src/core/verify-result.js'
import { chunkPacerFor } from '../../src/services/keys/chunked-writes.js'
import { UsageRecorder, inThreadWrites } from '../../src/services/keys/usage-recorder.js'
import { SQLITE_PRAGMAS } from '../../src/store/database.js'
import { KeyRepository } from '../../src/store/key-repository.js'
import { UsageRepository } from '../../src/store/usage-repository.js'
import { type UsageWrites, UsageWriterThread } from '../../src/store/usage-writer.js'
import { STORES, TestServer } from '../helpers.js'
import { countedOn, fillerKeys, touchedAt } from '../usage/fillers.js'

const KEYS = 700 // past the batches' initial 256 rows and past one 500-row PostgreSQL chunk

for (const kind of STORES) {
  describe(`usage batches: ordering, failures, days (${kind})`, () => {
    let s: TestServer
    let ids: number[]
    before(async () => {
      s = await TestServer.start(kind, { env: { KEYWARD_USAGE_FLUSH_MS: '60000' } })
      ids = await fillerKeys(s, KEYS)
    })
    after(() => s.close())

    function writes(): UsageWrites {
      const store = s.kw.services.store
      if (store.file !== undefined)
        return new UsageWriterThread(store.file, store.db, { codes: VERIFY_CODES, pragmas: SQLITE_PRAGMAS })
      return inThreadWrites(
        new KeyRepository(store.db, store.dialect),
        new UsageRepository(store.db, store.dialect),
        chunkPacerFor(store.dialect),
      )
    }

    it('last_used_at ends at the latest use when uses are noted out of order within one interval', async () => {
      const errors: unknown[] = []
      const usage = new UsageRecorder(writes(), 600_000, 0, (e) => errors.push(e))
      const later = Date.parse('2026-07-01T10:00:00.000Z')
      const earlier = later - 5_000
      // Two verifications of each key: the later one's answer is noted first (an awaited limiter
      // or credit decrement can finish out of order; `check` takes its time before awaiting).
      for (const id of ids) {
        usage.touch(id, later)
        usage.touch(id, earlier)
      }
      await usage.stop()
      assert.deepEqual(errors, [])
      assert.equal(await touchedAt(s, later), KEYS, 'keys whose last_used_at is the latest use')
    })

    it('a chunk failing midway, a change of day with tallies pending, and late uses of the old day: each counted once', async () => {
      const db = s.kw.services.store.db
      const poison = ids[Math.floor(KEYS * 0.6)]!
      // Fault injection: inserting a counter of `poison` fails while the flag row exists.
      if (kind === 'postgres') {
        await sql`create table if not exists fail_flag (x int)`.execute(db)
        await sql`create or replace function fail_usage() returns trigger language plpgsql as $$
          begin if exists (select 1 from fail_flag) and new.key_id = ${sql.lit(poison)} then raise exception 'injected'; end if; return new; end $$`.execute(
          db,
        )
        await sql`create trigger fail_usage before insert on key_usage for each row execute function fail_usage()`.execute(
          db,
        )
      } else {
        await sql`create table if not exists fail_flag (x int)`.execute(db)
        await sql
          .raw(
            `create trigger fail_usage before insert on key_usage for each row
          when new.key_id = ${poison} and exists (select 1 from fail_flag) begin select raise(abort, 'injected'); end`,
          )
          .execute(db)
      }
      await sql`insert into fail_flag values (1)`.execute(db)
      const errors: unknown[] = []
      const usage = new UsageRecorder(writes(), 600_000, KEYS, (e) => errors.push(e))
      const d1 = Date.parse('2026-08-01T23:59:59.000Z')
      const d2 = d1 + 2_000 // 2026-08-02
      ids.forEach((id, slot) => {
        usage.count(id, 'VALID', d1)
        usage.hit(slot, id, d1) // tallied by slot, drained at the change of day
        usage.count(id, 'DISABLED', d1)
      })
      ids.forEach((id, slot) => usage.hit(slot, id, d2)) // the day changes with every d1 tally pending
      await usage.flush()
      assert.ok(errors.length > 0, 'the injected failure happened')
      // Meanwhile: more uses of the new day, and late answers of the old one.
      ids.forEach((id, slot) => {
        usage.hit(slot, id, d2)
        usage.count(id, 'VALID', d1)
        usage.hit((slot + 1) % KEYS, id, d2) // a slot given to another key: the old key's tally drains
      })
      await usage.flush()
      await sql`delete from fail_flag`.execute(db)
      errors.length = 0
      await usage.stop()
      assert.deepEqual(errors, [])
      await sql`drop trigger fail_usage${sql.raw(kind === 'postgres' ? ' on key_usage' : '')}`.execute(db)
      assert.equal(await countedOn(s, '2026-08-01', 'VALID'), 3 * KEYS)
      assert.equal(await countedOn(s, '2026-08-01', 'DISABLED'), KEYS)
      assert.equal(await countedOn(s, '2026-08-02', 'VALID'), 3 * KEYS)
    })
  })
}
