import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { manualClock } from '../../src/core/clock.js'
import { generateKey } from '../../src/core/key-format.js'
import { STORES, TestServer } from '../helpers.js'

const BURST = 50
const RATE_PER_S = 10
const FLOOD = 1000

/**
 * Key lookups by hash sent to either database driver while `work` runs: better-sqlite3 runs
 * every statement Kysely runs with `Statement#all`, and every PostgreSQL statement is a `Client#query`.
 */
async function countQueries(work: () => Promise<void>): Promise<number> {
  let n = 0
  // Statements run, not prepared: the SQLite connection keeps prepared statements (store/statement-cache.ts).
  const probe = new BetterSqlite3(':memory:')
  const sqlite = Object.getPrototypeOf(probe.prepare('select 1')) as { all: (...a: unknown[]) => unknown }
  probe.close()
  const client = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown }
  const all = sqlite.all
  const query = client.query
  // Only key lookups by hash: background work (the webhook dispatcher's and sweepers' polls) runs meanwhile.
  const isLookup = (sqlText: unknown) => typeof sqlText === 'string' && /"previous_hash" = /.test(sqlText)
  sqlite.all = function (this: { source?: string }, ...a: unknown[]) {
    if (isLookup(this.source)) n++
    return all.apply(this, a)
  }
  client.query = function (this: unknown, ...a: unknown[]) {
    const q = a[0] as string | { text?: string }
    if (isLookup(typeof q === 'string' ? q : q?.text)) n++
    return query.apply(this, a)
  }
  try {
    await work()
  } finally {
    sqlite.all = all
    client.query = query
  }
  return n
}

for (const store of STORES) {
  describe(`a flood of unknown well-formed keys from one caller (${store}, two nodes)`, () => {
    const clock = manualClock(new Date('2026-06-01T00:00:00.000Z'))
    const env = {
      KEYWARD_UNKNOWN_KEY_BURST: String(BURST),
      KEYWARD_UNKNOWN_KEY_RATE: String(RATE_PER_S),
      KEYWARD_USAGE_FLUSH_MS: '60000',
    }
    let a: TestServer
    let b: TestServer
    let flooder: { session: string; gateway: string }
    let other: { session: string; gateway: string }
    const verifyOn = async (node: TestServer, gateway: string, key: string) =>
      (await node.verify(gateway, key)).code as string

    before(async () => {
      a = await TestServer.start(store, { clock, env })
      b = await TestServer.attach(a.config.databaseUrl, { clock, env })
      const admin = await a.adminToken()
      const caller = async (name: string) => {
        const { token } = await a.member(name, admin)
        return { session: token, gateway: (await a.createKey(token, { scopes: ['keys:verify'] })).key }
      }
      flooder = await caller('flooder')
      other = await caller('other')
    })
    after(async () => {
      await b?.close()
      await a?.close()
    })

    it(`${FLOOD} unknown keys cost at most ${BURST} lookups; the rest answer RATE_LIMITED without a query`, async () => {
      const own = await a.createKey(flooder.session)
      assert.equal(await verifyOn(b, flooder.gateway, own.key), 'VALID') // cached on B, and the gateway key too
      const codes: string[] = []
      const queries = await countQueries(async () => {
        for (let i = 0; i < FLOOD; i++) codes.push(await verifyOn(b, flooder.gateway, generateKey()))
      })
      assert.deepEqual(codes.slice(0, BURST), Array(BURST).fill('NOT_FOUND'))
      assert.deepEqual(codes.slice(BURST), Array(FLOOD - BURST).fill('RATE_LIMITED'))
      assert.ok(queries >= BURST && queries <= BURST + 2, `${queries} database statements for ${FLOOD} unknown keys`)
      const refused = await b.verify(flooder.gateway, generateKey())
      assert.equal(refused.key_id, undefined)
      assert.equal(refused.ratelimit.remaining, 0)
      assert.equal(refused.ratelimit.reset_at, new Date(clock.now().getTime() + 1000 / RATE_PER_S).toISOString())
      // Its own cached key still verifies; a repeated unknown key (negatively cached) is refused alike.
      assert.equal(await verifyOn(b, flooder.gateway, own.key), 'VALID')
    })

    it("the throttle is the flooder's alone: another caller's unknown key is looked up and its key verifies", async () => {
      assert.equal(await verifyOn(b, other.gateway, generateKey()), 'NOT_FOUND')
      const theirs = await a.createKey(other.session)
      assert.equal(await verifyOn(b, other.gateway, theirs.key), 'VALID')
      // The flooder cannot tell a cached key of someone else from an unknown one: both RATE_LIMITED.
      assert.equal(await verifyOn(b, flooder.gateway, theirs.key), 'RATE_LIMITED')
    })

    it('a key created on node A verifies on node B at once, and is never NOT_FOUND for the throttled caller', async () => {
      const fresh = await a.createKey(other.session)
      assert.equal(await verifyOn(b, other.gateway, fresh.key), 'VALID')
      const flooders = await a.createKey(flooder.session)
      assert.equal(await verifyOn(b, flooder.gateway, flooders.key), 'RATE_LIMITED')
      clock.advance(1000 / RATE_PER_S) // one answer refilled
      assert.equal(await verifyOn(b, flooder.gateway, flooders.key), 'VALID')
    })

    it(`the budget refills at ${RATE_PER_S} per second: one second later, ${RATE_PER_S} more lookups`, async () => {
      clock.advance(1000)
      const allowed = RATE_PER_S + 1 // and the answer refilled above: finding a key spends nothing
      const codes: string[] = []
      const queries = await countQueries(async () => {
        for (let i = 0; i < allowed + 5; i++) codes.push(await verifyOn(b, flooder.gateway, generateKey()))
      })
      assert.deepEqual(codes, [...Array(allowed).fill('NOT_FOUND'), ...Array(5).fill('RATE_LIMITED')])
      assert.equal(queries, allowed)
    })
  })
}
