import assert from 'node:assert/strict'
import { connect, createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { Kysely } from 'kysely'
import { chunkPacerFor } from '../../src/services/keys/chunked-writes.js'
import { UsageRecorder, inThreadWrites } from '../../src/services/keys/usage-recorder.js'
import { type Store, openStore } from '../../src/store/database.js'
import { KeyRepository } from '../../src/store/key-repository.js'
import { CLAIMS_KEPT_MS, UsageRepository } from '../../src/store/usage-repository.js'
import type { Database } from '../../src/store/schema.js'
import { TestServer } from '../helpers.js'
import { countedOn, fillerKeys } from '../usage/fillers.js'

const KEYS = 1_200 // three 500-row chunks: the reply of the second one is lost

/**
 * A TCP proxy in front of PostgreSQL that, once armed, lets the `nth` usage insert through and
 * cuts the connection when the server's reply to it comes back: the statement committed (the
 * implicit transaction of the extended protocol commits at Sync, before the reply is sent), but
 * the client only sees a lost connection, as when a network path fails at that moment.
 */
async function lossyProxy(target: URL, nth: number) {
  let seen = 0
  let cut = false
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname)
    let cutNext = false
    client.on('data', (d: Buffer) => {
      if (!cut && d.includes('insert into key_usage') && ++seen === nth) cutNext = true
      upstream.write(d)
    })
    upstream.on('data', (d: Buffer) => {
      if (cutNext) {
        cut = true
        cutNext = false
        client.destroy()
        upstream.destroy()
        return
      }
      client.write(d)
    })
    for (const s of [client, upstream]) s.on('error', () => {})
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = new URL(target)
  url.host = `127.0.0.1:${(server.address() as { port: number }).port}`
  return { url: url.toString(), wasCut: () => cut, close: () => server.close() }
}

function writesOn(db: Kysely<Database>) {
  return inThreadWrites(
    new KeyRepository(db, 'postgres'),
    new UsageRepository(db, 'postgres'),
    chunkPacerFor('postgres'),
  )
}

describe(
  'usage counters on PostgreSQL: exactly once, claims, large counts',
  {
    skip: !process.env.KEYWARD_TEST_DATABASE_URL && 'PostgreSQL only (set KEYWARD_TEST_DATABASE_URL)',
  },
  () => {
    let s: TestServer
    let ids: number[]
    let store: Store
    let proxy: Awaited<ReturnType<typeof lossyProxy>>
    before(async () => {
      s = await TestServer.start('postgres', { env: { KEYWARD_USAGE_FLUSH_MS: '60000' } })
      ids = await fillerKeys(s, KEYS)
      proxy = await lossyProxy(new URL(s.config.databaseUrl), 2)
      store = openStore(proxy.url)
    })
    after(async () => {
      await store.close()
      proxy.close()
      await s.close()
    })

    it('is counted once: the retry does not add it again', async () => {
      const errors: unknown[] = []
      const usage = new UsageRecorder(writesOn(store.db), 600_000, 0, (e) => errors.push(e))
      const at = Date.parse('2026-09-01T12:00:00.000Z')
      for (const id of ids) usage.count(id, 'EXPIRED', at)
      await usage.flush()
      assert.ok(proxy.wasCut(), 'the proxy cut a reply')
      assert.equal(errors.length, 1, 'the lost reply reached the recorder as an error')
      await usage.stop()
      assert.equal(errors.length, 1, 'the retry succeeded')
      assert.equal(await countedOn(s, '2026-09-01', 'EXPIRED'), KEYS)
    })
    it('keeps one claim per running writer and none of a stopped one; a new writer deletes claims older than a day', async () => {
      const db = s.kw.services.store.db
      const old = new Date(Date.now() - CLAIMS_KEPT_MS - 60_000).toISOString()
      const recent = new Date(Date.now() - CLAIMS_KEPT_MS + 60_000).toISOString()
      await db.deleteFrom('usage_claim').execute()
      await db
        .insertInto('usage_claim')
        .values([
          { token: 'dead-node', written_at: old },
          { token: 'live-node', written_at: recent },
        ])
        .execute()
      const usage = new UsageRecorder(writesOn(db), 600_000, 0, (e) => assert.fail(String(e)))
      for (let day = 1; day <= 3; day++) {
        for (const id of ids) usage.count(id, 'DISABLED', Date.parse(`2026-09-0${day}T12:00:00.000Z`))
        await usage.flush()
      }
      const claims = async () => (await db.selectFrom('usage_claim').select('token').execute()).map((r) => r.token)
      const running = await claims()
      assert.equal(running.length, 2, `the live node's claim and this writer's last one: ${running.join(', ')}`)
      assert.ok(running.includes('live-node') && !running.includes('dead-node'))
      await usage.stop()
      assert.deepEqual(await claims(), ['live-node'], 'a stopped writer leaves no claim behind')
      for (let day = 1; day <= 3; day++) assert.equal(await countedOn(s, `2026-09-0${day}`, 'DISABLED'), KEYS)
    })

    it('counts past 2³¹−1 verifications of a key in one day', async () => {
      const db = s.kw.services.store.db
      const near = 2 ** 31 - 10
      await db
        .insertInto('key_usage')
        .values({ key_id: ids[0]!, day: '2026-09-09', code: 'VALID', count: near })
        .execute()
      const usage = new UsageRecorder(writesOn(db), 600_000, 0, (e) => assert.fail(String(e)))
      for (let i = 0; i < 25; i++) usage.count(ids[0]!, 'VALID', Date.parse('2026-09-09T12:00:00.000Z'))
      await usage.stop()
      assert.equal(await countedOn(s, '2026-09-09', 'VALID'), near + 25)
    })
  },
)
