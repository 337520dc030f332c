import assert from 'node:assert/strict'
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import Fastify from 'fastify'
import { Hono } from 'hono'
import {
  type KeywardVerifier,
  type VerifyResult,
  createVerifier,
  keywardFastify,
  keywardHono,
  keywardMiddleware,
} from '../../src/index.js'
import { STORES, TestServer } from '../helpers.js'

/** The `details.code` of a refusal body, or null for an admitted request. */
const refusedWith = (status: number, body: any): string | null => (status === 200 ? null : body.error.details.code)

for (const store of STORES) {
  describe(`restrictions through the in-process verifier and its middlewares (${store})`, () => {
    let s: TestServer
    let admin: string
    let v: KeywardVerifier
    let local: { key: string; id: number }
    let remote: { key: string; id: number }
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
      v = await createVerifier({ databaseUrl: s.config.databaseUrl, cacheFallbackTtlMs: 200 })
      local = await s.createKey(admin, { restrictions: { ip_allow: ['127.0.0.0/8'], origin_allow: ['*.example.com'] } })
      remote = await s.createKey(admin, { restrictions: { ip_allow: ['203.0.113.0/24'] } })
    })
    after(async () => {
      await v?.close()
      await s?.close()
    })

    it('createVerifier refuses a restricted key without context, and answers verifySync the same', async () => {
      assert.equal((await v.verify(remote.key)).code, 'FORBIDDEN_CONTEXT')
      assert.equal((await v.verify(remote.key, { context: { ip: '203.0.113.1' } })).code, 'VALID')
      assert.equal(v.verifySync(remote.key, { context: { ip: '198.51.100.1' } })?.code, 'FORBIDDEN_CONTEXT')
      assert.equal(v.verifySync(remote.key, { context: { ip: '::ffff:203.0.113.1' } })?.code, 'VALID')
    })

    it('Fastify: req.ip under the app trustProxy, never a client-written X-Forwarded-For', async () => {
      for (const trustProxy of [false, true]) {
        const app = Fastify({ trustProxy })
        await app.register(keywardFastify, { verifier: v })
        app.get('/', async () => ({ ok: true }))
        const call = async (key: string, remoteAddress: string, headers: Record<string, string> = {}) => {
          const r = await app.inject({
            url: '/',
            remoteAddress,
            headers: { authorization: `Bearer ${key}`, ...headers },
          })
          return refusedWith(r.statusCode, r.json())
        }
        const xff = { 'x-forwarded-for': '203.0.113.7' }
        assert.equal(await call(remote.key, '198.51.100.1', xff), trustProxy ? null : 'FORBIDDEN_CONTEXT')
        assert.equal(await call(remote.key, '203.0.113.7'), null)
        assert.equal(await call(local.key, '127.0.0.1', { origin: 'https://a.example.com' }), null)
        assert.equal(await call(local.key, '127.0.0.1', { origin: 'https://example.com.evil' }), 'FORBIDDEN_CONTEXT')
        assert.equal(await call(local.key, '127.0.0.1'), 'FORBIDDEN_CONTEXT') // no Origin at all
        await app.close()
      }
    })

    it('node:http through a real socket: the peer address, X-Forwarded-For only from trusted proxies', async () => {
      for (const trustProxy of [undefined, 1] as const) {
        const mw = keywardMiddleware({ verifier: v, trustProxy })
        const server = createServer((req: IncomingMessage & { apiKey?: VerifyResult }, res: ServerResponse) =>
          mw(req, res, (err) => {
            res.writeHead(err ? 500 : 200, { 'content-type': 'application/json' })
            res.end('{}')
          }),
        )
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
        try {
          const call = async (key: string, headers: Record<string, string> = {}) => {
            const r = await fetch(url, { headers: { authorization: `Bearer ${key}`, ...headers } })
            return refusedWith(r.status, await r.json())
          }
          assert.equal(await call(local.key, { origin: 'https://app.example.com' }), null)
          assert.equal(await call(local.key, { origin: 'https://app.example.com.evil' }), 'FORBIDDEN_CONTEXT')
          const spoof = { 'x-forwarded-for': '203.0.113.9' }
          assert.equal(await call(remote.key, spoof), trustProxy ? null : 'FORBIDDEN_CONTEXT')
          assert.equal(await call(remote.key), 'FORBIDDEN_CONTEXT')
        } finally {
          await new Promise((r) => server.close(r))
        }
      }
    })

    it("Express-style: takes req.ip (Express's own trust-proxy answer) when no trustProxy is given", async () => {
      const mw = keywardMiddleware({ verifier: v })
      const run = (ip: string) =>
        new Promise<number>((done) => {
          const req = { headers: { authorization: `Bearer ${remote.key}` }, ip, socket: {} } as never
          const res = { writeHead: (status: number) => done(status), end: () => {} } as never
          mw(req, res, () => done(200))
        })
      assert.equal(await run('203.0.113.4'), 200)
      assert.equal(await run('198.51.100.4'), 403)
    })

    it('Hono: the node-server peer address, X-Forwarded-For only with trustProxy', async () => {
      for (const trustProxy of [undefined, ['10.0.0.0/8']] as const) {
        const app = new Hono<{ Variables: { apiKey: VerifyResult } }>()
        app.use('*', keywardHono({ verifier: v, trustProxy }))
        app.get('/', (c) => c.json({ ok: true }))
        const call = async (key: string, peer: string, headers: Record<string, string> = {}) => {
          const env = { incoming: { socket: { remoteAddress: peer } } }
          const r = await app.request('/', { headers: { authorization: `Bearer ${key}`, ...headers } }, env)
          return refusedWith(r.status, await r.json())
        }
        assert.equal(await call(remote.key, '203.0.113.3'), null)
        assert.equal(
          await call(remote.key, '10.0.0.1', { 'x-forwarded-for': '203.0.113.3' }),
          trustProxy ? null : 'FORBIDDEN_CONTEXT',
        )
        // An untrusted peer's header is never believed.
        assert.equal(await call(remote.key, '198.51.100.2', { 'x-forwarded-for': '203.0.113.3' }), 'FORBIDDEN_CONTEXT')
        assert.equal(await call(local.key, '::ffff:127.0.0.1', { origin: 'https://x.example.com' }), null)
      }
    })
  })
}
