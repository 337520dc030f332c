import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Worker } from 'node:worker_threads'
import { VERIFY_CODES } from '../../src/core/verify-result.js'
import { readKeyChanges } from '../../src/store/key-changes.js'
import { SQLITE_PRAGMAS } from '../../src/store/database.js'
import { UsageWriterThread, type UsageWriterOptions } from '../../src/store/usage-writer.js'
import { UsageRecorder } from '../../src/services/keys/usage-recorder.js'
import { TestServer } from '../helpers.js'
import { countedOn, fillerKeys, touchedAt } from './fillers.js'

const KEYS = 3000

/** The usage writer thread of a SQLite file (store/usage-writer.ts): crashes, close, and the main connection's writes. */
describe('usage writer thread (sqlite file)', () => {
  let s: TestServer
  let ids: number[]
  let day = 0
  before(async () => {
    s = await TestServer.start('sqlite', { env: { KEYWARD_USAGE_FLUSH_MS: '60000' } })
    ids = await fillerKeys(s, KEYS)
  })
  after(() => s.close())

  /** A recorder over its own writer thread on the server's file; `errors` hears its failures. */
  function recorder(opts: Partial<UsageWriterOptions> = {}) {
    const { file, db } = s.kw.services.store
    assert.ok(file)
    const writer = new UsageWriterThread(file, db, { codes: VERIFY_CODES, pragmas: SQLITE_PRAGMAS, ...opts })
    const errors: unknown[] = []
    return { writer, errors, usage: new UsageRecorder(writer, 600_000, 0, (e) => errors.push(e)) }
  }

  /** Notes one use and `times` VALID verifications of every key on a fresh day; returns the day and time. */
  function use(usage: UsageRecorder, times = 1): { date: string; at: number } {
    const date = `2026-06-${String(++day).padStart(2, '0')}`
    const at = Date.parse(`${date}T08:00:00.000Z`)
    for (const id of ids) {
      usage.touch(id, at)
      for (let i = 0; i < times; i++) usage.count(id, 'VALID', at)
    }
    return { date, at }
  }

  for (const when of ['before-commit', 'after-commit'] as const) {
    it(`a thread that dies ${when.replace('-', ' ')} of a chunk loses no count and doubles none`, async () => {
      // Every thread dies at its fourth chunk: each flush writes a few chunks, fails, and leaves the rest pending.
      const { writer, errors, usage } = recorder({ crashAt: { chunk: 3, when } })
      const { date, at } = use(usage, 2)
      let flushes = 0
      do {
        errors.length = 0
        await usage.flush()
        flushes++
      } while (errors.length > 0 && flushes < 200)
      assert.deepEqual(errors, [])
      assert.ok(flushes > 2, `the thread died ${flushes - 1} times`)
      assert.equal(await countedOn(s, date, 'VALID'), 2 * KEYS)
      assert.equal(await touchedAt(s, at), KEYS)
      await writer.close()
    })
  }

  it('a thread terminated from outside mid-batch, at any moment, loses no count and doubles none', async () => {
    const { writer, errors, usage } = recorder()
    for (const afterMs of [5, 12, 20, 35, 50]) {
      const { date } = use(usage)
      const flushing = usage.flush()
      await new Promise((r) => setTimeout(r, afterMs))
      const w = await (writer as unknown as { worker: Promise<Worker> | null }).worker
      await w?.terminate()
      await flushing
      errors.length = 0
      await usage.flush()
      assert.deepEqual(errors, [])
      assert.equal(await countedOn(s, date, 'VALID'), KEYS, `terminated after ${afterMs} ms`)
    }
    await writer.close()
  })

  it('stop (close, SIGTERM) writes everything before resolving, even when the thread dies meanwhile', async () => {
    const { errors, usage } = recorder({ crashAt: { chunk: 5, when: 'after-commit' } })
    const { date, at } = use(usage, 3)
    await usage.stop()
    assert.ok(errors.length > 0, 'the thread died at least once')
    assert.equal(await countedOn(s, date, 'VALID'), 3 * KEYS)
    assert.equal(await touchedAt(s, at), KEYS)
  })

  it('usage writes never bump the key-change counter, and last_used_at only moves forward', async () => {
    const { usage } = recorder()
    const counter = () => readKeyChanges(s.kw.services.store.db)
    const before = await counter()
    const { at } = use(usage)
    await usage.flush()
    for (const id of ids) usage.touch(id, at - 60_000)
    await usage.stop()
    assert.equal(await counter(), before)
    assert.equal(await touchedAt(s, at), KEYS)
  })

  it('a transaction on the main connection that reads, then writes, during a flush is not refused (BEGIN IMMEDIATE)', async () => {
    const { usage } = recorder()
    const db = s.kw.services.store.db
    use(usage, 2)
    let flushing = true
    const flushed = usage.flush().finally(() => (flushing = false))
    let transactions = 0
    // A deferred BEGIN would read a snapshot, the writer thread would commit a chunk meanwhile, and the
    // write would fail at once with SQLITE_BUSY_SNAPSHOT (seen as a background error in flush-blocking.test.ts).
    while (flushing) {
      await db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('api_key').select('name').where('id', '=', ids[0]!).executeTakeFirstOrThrow()
        await new Promise((r) => setTimeout(r, 3))
        await trx
          .updateTable('api_key')
          .set({ name: `${row.name}.` })
          .where('id', '=', ids[0]!)
          .execute()
      })
      transactions++
    }
    await flushed
    await usage.stop()
    assert.ok(transactions >= 10, `only ${transactions} transactions overlapped the flush`)
  })

  /** Key writes on the main connection, one every 2 ms while `busy(writes so far)`; their durations, ascending. */
  async function keyWrites(busy: (done: number) => boolean): Promise<number[]> {
    const db = s.kw.services.store.db
    const waits: number[] = []
    for (let i = 0; busy(i); i++) {
      const start = performance.now()
      await db
        .updateTable('api_key')
        .set({ name: `write ${i}` })
        .where('id', '=', ids[i % KEYS]!)
        .execute()
      waits.push(performance.now() - start)
      await new Promise((r) => setTimeout(r, 2))
    }
    return waits.sort((a, b) => a - b)
  }

  it('a key write on the main connection during a big flush waits at most a few milliseconds', async () => {
    // Every trial: nine in ten writes within 3 ms of the idle ones' 90th percentile. The longest write is one
    // sample on a shared 2-core machine: a writer thread preempted while it holds the lock makes a waiter sleep
    // through 1 + 2 + 5 + 10 ms of SQLite's busy handler (25 ms seen once, Node 24 CI, with the next longest at
    // 7.5 ms). So a longest past its bound must happen in three trials in a row to fail: chunks that are too big
    // hold the lock in every trial, a preemption does not. Two were not enough: a clean-clone CI run of a tree
    // that passed it before read 21.38 then 21.07 ms (bound 20), each trial's next longest 8.14 and 5.61 ms and the
    // idle writes' longest 5.35 and 10.16 ms (the host was busy); the same test alone, quiet, read 8.3–10.6 ms.
    const longest: string[] = []
    for (let trial = 0; trial < 3; trial++) {
      const t = await flushTrial()
      if (t.longestWithin) return
      longest.push(t.longest)
    }
    assert.fail(`in three trials in a row: ${longest.join('; then ')}`)
  })

  /** One big flush with key writes beside it, then the same writes idle; asserts the 90th percentile. */
  async function flushTrial(): Promise<{ longestWithin: boolean; longest: string }> {
    const { usage } = recorder()
    use(usage, 2)
    let flushing = true
    const flushed = usage.flush().finally(() => (flushing = false))
    const during = await keyWrites(() => flushing)
    await flushed
    await usage.stop()
    // The same writes with no flush: what this machine's scheduling alone costs them right now.
    const idle = await keyWrites((done) => done < during.length)
    const show = (w: number[]) =>
      `median ${w[w.length >> 1]!.toFixed(2)} ms, p90 ${w[Math.floor(w.length * 0.9)]!.toFixed(2)} ms, longest ${w
        .slice(-3)
        .map((x) => x.toFixed(2))
        .join(' / ')} ms`
    console.log(`# ${during.length} key writes during a flush of ${KEYS} keys: ${show(during)}; idle: ${show(idle)}`)
    assert.ok(during.length >= 10, `only ${during.length} writes overlapped the flush`)
    // A write that finds the lock taken sleeps in SQLite's busy handler (1, 2, 5 ms…): three misses in a row
    // is 8 ms. Judged against the idle writes (this shared machine's scheduling right now): the longest
    // within max(20 ms, twice the idle longest) (seen 6–48 ms, DESIGN.md).
    const p90 = (w: number[]) => w[Math.floor(w.length * 0.9)]!
    assert.ok(
      p90(during) <= p90(idle) + 3,
      `90th percentile ${p90(during).toFixed(2)} ms, idle ${p90(idle).toFixed(2)} ms`,
    )
    const bound = Math.max(20, 2 * idle.at(-1)!)
    const longest = `a key write waited ${during.at(-1)!.toFixed(2)} ms (bound ${bound.toFixed(2)})`
    return { longestWithin: during.at(-1)! <= bound, longest }
  }
})
