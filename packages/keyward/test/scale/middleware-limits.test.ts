import assert from 'node:assert/strict'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { serve } from '@hono/node-server'
import Fastify from 'fastify'
import { Hono } from 'hono'
import {
  type KeywardVerifier,
  type LimitCharge,
  type VerifyResult,
  createVerifier,
  keywardFastify,
  keywardHono,
  keywardMiddleware,
} from '../../src/index.js'
import type { HonoLikeContext } from '../../src/verifier/hono.js'
import { STORES, TestServer } from '../helpers.js'

/** What the test's charge functions see of a request, whatever the framework: its path and body size. */
interface Seen {
  path: string
  bytes: number
}
/** Charge options in framework-neutral form: constants, or functions of what the request shows. */
interface Charge {
  ratelimits?: readonly LimitCharge[] | ((r: Seen) => readonly LimitCharge[])
  cost?: number | ((r: Seen) => number)
}
const seen = (url: string | undefined, length: string | undefined): Seen => ({
  path: new URL(url ?? '/', 'http://x').pathname,
  bytes: Number(length ?? 0),
})
/** The same charge as a framework's options: a function of its own request type. */
function adapt<R>(c: Charge, see: (req: R) => Seen) {
  const { ratelimits: l, cost } = c
  return {
    ratelimits: typeof l === 'function' ? (req: R) => l(see(req)) : l,
    cost: typeof cost === 'function' ? (req: R) => cost(see(req)) : cost,
  }
}
/** What every app answers for an admitted request: the credits left and each checked limit's remaining. */
const admitted = (k: VerifyResult | undefined) => ({
  remaining: k?.remaining ?? null,
  limits: Object.fromEntries((k?.ratelimits ?? []).map((l) => [l.name, l.remaining])),
})

interface Running {
  url: string
  close(): Promise<void>
}
const listening = async (server: Server): Promise<Running> => {
  if (!server.listening) await new Promise((r) => server.once('listening', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/** Each framework behind a real listening socket, with the middleware given `charge`. */
const FRAMEWORKS: Record<string, (v: KeywardVerifier, charge: Charge) => Promise<Running>> = {
  async fastify(v, charge) {
    const app = Fastify()
    await app.register(keywardFastify, {
      verifier: v,
      ...adapt(charge, (req) => seen(req.url, req.headers['content-length'])),
    })
    app.all('/*', async (req) => admitted(req.apiKey ?? undefined))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return listening(app.server)
  },
  async node(v, charge) {
    const mw = keywardMiddleware({
      verifier: v,
      ...adapt(charge, (req) => seen(req.url, req.headers['content-length'])),
    })
    const server = createServer((req: IncomingMessage & { apiKey?: VerifyResult }, res: ServerResponse) =>
      mw(req, res, (err) => {
        res.writeHead(err ? 500 : 200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(err ? { error: (err as Error).message } : admitted(req.apiKey)))
      }),
    )
    server.listen(0, '127.0.0.1')
    return listening(server)
  },
  async hono(v, charge) {
    const app = new Hono<{ Variables: { apiKey: VerifyResult } }>()
    app.use(
      '*',
      keywardHono({
        verifier: v,
        ...adapt(charge, (c: HonoLikeContext) => seen(c.req.path, c.req.header('content-length'))),
      }),
    )
    app.all('*', (c) => c.json(admitted(c.get('apiKey'))))
    return listening(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server)
  },
}

for (const store of STORES) {
  for (const [framework, start] of Object.entries(FRAMEWORKS)) {
    describe(`${framework} middleware charges named limits and cost through a real socket (${store})`, () => {
      let s: TestServer
      let admin: string
      let v: KeywardVerifier
      const running: Running[] = []
      before(async () => {
        s = await TestServer.start(store)
        admin = await s.adminToken()
        v = await createVerifier({ databaseUrl: s.config.databaseUrl })
      })
      after(async () => {
        for (const r of running) await r.close()
        await v?.close()
        await s?.close()
      })
      const app = async (charge: Charge) => {
        const r = await start(v, charge)
        running.push(r)
        return r.url
      }
      const call = async (url: string, key: string, body?: string) => {
        const r = await fetch(url, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'text/plain' }) },
          body,
        })
        const text = await r.text() // Hono's own 500 is plain text
        return {
          status: r.status,
          retryAfter: r.headers.get('retry-after'),
          body: text.startsWith('{') ? JSON.parse(text) : text,
        }
      }

      it('constants: a named limit exceeded by its cost answers 429 with Retry-After, cost 0 takes no credit', async () => {
        const url = await app({ ratelimits: [{ name: 'search', cost: 2 }], cost: 0 })
        const k = await s.createKey(admin, { ratelimits: [{ name: 'search', limit: 3, window_s: 60 }], remaining: 1 })
        const ok = await call(url, k.key)
        assert.equal(ok.status, 200, JSON.stringify(ok.body))
        assert.deepEqual(ok.body, { remaining: 1, limits: { search: 1 } }, 'cost 0: the one credit is still there')
        const refused = await call(url, k.key)
        assert.equal(refused.status, 429)
        assert.equal(refused.body.error.details.code, 'RATE_LIMITED')
        const wait = Number(refused.retryAfter)
        assert.ok(wait >= 1 && wait <= 60, `Retry-After within the search window, got ${refused.retryAfter}`)
        const api = await s.request('GET', `/v1/keys/${k.id}`, { token: admin })
        assert.equal(api.body.remaining, 1, 'neither request took a credit')
      })

      it('functions of the request: cost per route, a named limit charged by body size', async () => {
        const url = await app({
          ratelimits: (r) => [{ name: 'bytes', cost: r.bytes }],
          cost: (r) => (r.path === '/free' ? 0 : 1),
        })
        const k = await s.createKey(admin, { ratelimits: [{ name: 'bytes', limit: 10, window_s: 60 }], remaining: 2 })
        assert.deepEqual((await call(url, k.key, 'abcd')).body, { remaining: 1, limits: { bytes: 6 } })
        const tooBig = await call(url, k.key, 'abcdefg')
        assert.equal(tooBig.status, 429, '7 bytes do not fit in the 6 left')
        assert.equal(tooBig.body.error.details.code, 'RATE_LIMITED')
        assert.ok(Number(tooBig.retryAfter) >= 1)
        assert.deepEqual(
          (await call(url, k.key, 'abcdef')).body,
          { remaining: 0, limits: { bytes: 0 } },
          'nothing was taken by the refusal',
        )
        assert.deepEqual(
          (await call(`${url}/free`, k.key)).body,
          { remaining: 0, limits: { bytes: 0 } },
          'cost 0 on both passes when all is spent',
        )
        const spent = await call(url, k.key)
        assert.equal(spent.status, 429)
        assert.equal(spent.body.error.details.code, 'USAGE_EXCEEDED')
      })

      it("an out-of-range cost is the app's error, never a refund of credits", async () => {
        const url = await app({ cost: -1 })
        const k = await s.createKey(admin, { remaining: 1 })
        assert.equal((await call(url, k.key)).status, 500)
        const api = await s.request('GET', `/v1/keys/${k.id}`, { token: admin })
        assert.equal(api.body.remaining, 1)
      })
    })
  }
}
