import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { liveUserKeyNames } from '../../src/store/import-lookups.js'
import { STORES, TestServer } from '../helpers.js'
import { analyze, planOf, recordingDb } from './query-plans.js'

const LOADED = 20_000
const BATCH = 1_000

/**
 * The import's taken-name check on a store of 20,000 keys named in one pattern (`k1`, `k2`, …)
 * and analyzed: it must never read the pg_trgm GIN index, whose posting lists for such names cover
 * nearly every row (3 s per call at 100,000 keys, BENCHMARKS.md); the btree `(actor_id, name)` or,
 * on a small table, one hash join over it are what is left.
 */
for (const store of STORES) {
  describe(`import name lookup on ${LOADED} analyzed keys (${store})`, () => {
    let s: TestServer
    let actorId: number

    before(async () => {
      s = await TestServer.start(store)
      const admin = await s.adminToken()
      for (let i = 0; i < LOADED; i += BATCH) {
        const keys = Array.from({ length: BATCH }, (_, j) => ({
          plaintext: `imp_${randomBytes(24).toString('hex')}`,
          name: `k${i + j + 1}`,
        }))
        const r = await s.request('POST', '/v1/keys/import', { token: admin, body: { keys } })
        assert.equal(r.status, 200, r.text)
      }
      actorId = await ownerActor(s.config.databaseUrl)
    })
    after(() => s.close())

    it('answers taken names without reading the trigram index', async () => {
      const rec = recordingDb(s.config.databaseUrl)
      try {
        if (store === 'postgres') await analyze(rec.db)
        const names = Array.from({ length: BATCH }, (_, j) => `k${LOADED - 10 + j}`)
        const taken = await liveUserKeyNames(
          rec.db,
          rec.dialect,
          names.map((name) => ({ actorId, name })),
        )
        assert.deepEqual(
          [...taken].sort(),
          names
            .slice(0, 11)
            .map((n) => `${actorId}:${n}`)
            .sort(),
        )
        // Replays what the lookup ran before its query (PostgreSQL: `set local`) in a transaction of
        // its own, then explains the query there.
        const ran = rec.statements.filter((q) => !/^(begin|commit|rollback)\b/i.test(q.sql))
        const steps = await rec.db.transaction().execute(async (trx) => {
          for (const q of ran.slice(0, -1)) await trx.executeQuery(q)
          return planOf(trx, rec.dialect, ran.at(-1)!)
        })
        const details = steps.map((p) => p.detail).join(' | ')
        assert.ok(!details.includes('trgm'), details)
      } finally {
        await rec.db.destroy()
      }
    })
  })
}

/** The actor owning the imported keys (the admin's), read from the store. */
async function ownerActor(url: string): Promise<number> {
  const rec = recordingDb(url)
  try {
    const r = await rec.db.selectFrom('api_key').select('actor_id').limit(1).executeTakeFirstOrThrow()
    return r.actor_id
  } finally {
    await rec.db.destroy()
  }
}
