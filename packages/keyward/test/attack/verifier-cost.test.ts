import assert from 'node:assert/strict'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import {
  type KeywardMiddlewareOptions,
  type KeywardVerifier,
  type VerifyResult,
  createVerifier,
  keywardMiddleware,
} from '../../src/index.js'
import { STORES, TestServer } from '../helpers.js'

type Charge = Pick<KeywardMiddlewareOptions, 'ratelimits' | 'cost'>

/**
 * Attack: charge a key less than nothing (negative, NaN, fractional, huge costs; a cost function
 * that throws) through the in-process middleware, and through the verifier it calls, so that a
 * key's usage budget or named limit grows instead of shrinking.
 */
for (const store of STORES) {
  describe(`attack: costs that give credits back (${store})`, () => {
    let s: TestServer
    let admin: string
    let v: KeywardVerifier
    const servers: Server[] = []
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      v = await createVerifier({ databaseUrl: s.config.databaseUrl })
    })
    after(async () => {
      for (const server of servers) await new Promise((r) => server.close(r))
      await v?.close()
      await s?.close()
    })

    /** A plain node:http app behind the middleware; 500 with the error when the middleware passes one on. */
    const app = async (charge: Charge): Promise<string> => {
      const mw = keywardMiddleware({ verifier: v, ...charge })
      const server = createServer((req: IncomingMessage, res: ServerResponse) =>
        mw(req, res, (err) => {
          res.writeHead(err ? 500 : 200, { 'content-type': 'application/json' })
          res.end(JSON.stringify(err ? { error: err instanceof Error ? err.message : 'error' } : { admitted: true }))
        }),
      )
      servers.push(server)
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    }
    /** The key's remaining as the API shows it, or the API's failure. */
    const remainingOf = async (id: number) => {
      const r = await s.request('GET', `/v1/keys/${id}`, { token: admin })
      return r.status === 200 ? (r.body.remaining as number) : `GET /v1/keys/${id} answered ${r.status} ${r.text}`
    }
    /** What a verification answered, in short (or what it threw). */
    const brief = (r: unknown) =>
      r instanceof Error
        ? `threw ${r.message}`
        : JSON.stringify({
            valid: (r as VerifyResult).valid,
            remaining: (r as VerifyResult).remaining,
            ratelimits: (r as VerifyResult).ratelimits,
          })
    const limited = () =>
      s.createKey(admin, { remaining: 2, ratelimits: [{ name: 'search', limit: 2, window_s: 3600 }] })

    it('the middleware refuses every out-of-range cost and admits nothing, charges nothing', async () => {
      const bad: [string, Charge][] = [
        ['cost -5', { cost: -5 }],
        ['cost NaN', { cost: NaN }],
        ['cost 0.5', { cost: 0.5 }],
        ['cost Infinity', { cost: Infinity }],
        ['cost 1e10', { cost: 1e10 }],
        ['cost "3" (a string from a query)', { cost: '3' as unknown as number }],
        ['named cost -100', { ratelimits: [{ name: 'search', cost: -100 }] }],
        ['named cost NaN', { ratelimits: [{ name: 'search', cost: NaN }] }],
        [
          'cost function throws',
          {
            cost: () => {
              throw new Error('app bug')
            },
          },
        ],
        ['ratelimits function gives null', { ratelimits: () => null as unknown as [] }],
      ]
      const k = await limited()
      for (const [what, charge] of bad) {
        const r = await fetch(await app(charge), { headers: { authorization: `Bearer ${k.key}` } })
        const body = await r.text()
        assert.equal(r.status, 500, `${what}: ${r.status} ${body}`)
        assert.ok(!body.includes(k.key), `${what}: the error names the key: ${body}`)
      }
      assert.equal(await remainingOf(k.id), 2, 'no credit taken or given back')
      const r = await v.verify(k.key, { ratelimits: [{ name: 'search' }] })
      assert.equal(r.ratelimits?.find((l) => l.name === 'search')?.remaining, 1, 'the named limit is untouched')
    })

    it('POST /v1/keys/verify refuses the same costs with a 400 and charges nothing', async () => {
      const k = await limited()
      for (const charge of [
        { cost: -5 },
        { cost: 0.5 },
        { cost: 1e10 },
        { ratelimits: [{ name: 'search', cost: -100 }] },
        { ratelimits: [{ name: 'search', cost: 0.5 }] },
      ]) {
        const r = await s.request('POST', '/v1/keys/verify', { token: admin, body: { key: k.key, ...charge } })
        assert.equal(r.status, 400, `${JSON.stringify(charge)}: ${r.status} ${r.text}`)
      }
      assert.equal(await remainingOf(k.id), 2)
    })

    it("the verifier itself never lets a negative cost give back a key's credits", async () => {
      const k = await limited()
      const r = await v.verify(k.key, { cost: -5 }).catch((e: unknown) => e)
      const after = await remainingOf(k.id)
      assert.ok(
        typeof after === 'number' && after <= 2,
        `FINDING: verify(key, {cost: -5}) answered ${brief(r)} and the key's remaining grew from 2 to ${after}`,
      )
    })

    it("the verifier itself never lets a negative named-limit cost widen the window's budget", async () => {
      const k = await limited()
      const r = await v.verify(k.key, { ratelimits: [{ name: 'search', cost: -100 }] }).catch((e: unknown) => e)
      let admitted = 0
      for (let i = 0; i < 5; i++)
        if ((await v.verify(k.key, { cost: 0, ratelimits: [{ name: 'search' }] })).valid) admitted++
      assert.ok(
        admitted <= 2,
        `FINDING: after verify(key, {ratelimits: [{name, cost: -100}]}) -> ${brief(r)}, ` +
          `a limit of 2 per hour admitted ${admitted} of 5 calls`,
      )
    })

    it('the verifier itself never stores a fractional remaining', async () => {
      const k = await limited()
      const r = await v.verify(k.key, { cost: 0.5 }).catch((e: unknown) => e)
      const after = await remainingOf(k.id)
      assert.ok(
        typeof after === 'number' && Number.isInteger(after),
        `FINDING: verify(key, {cost: 0.5}) -> ${brief(r)}; the key's remaining is now ${after}`,
      )
    })
  })
}
