import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import Fastify from 'fastify'
import { Hono } from 'hono'
import {
  type KeywardVerifier,
  type VerifyResult,
  keywardFastify,
  keywardHono,
  keywardMiddleware,
} from '../../src/index.js'
import { TestServer } from '../helpers.js'

/** The server's verifier behind the KeywardVerifier interface, counting calls of the async path. */
function counting(s: TestServer): KeywardVerifier & { asyncCalls: number } {
  const v = s.kw.services.verifier
  return {
    asyncCalls: 0,
    verify(key, opts) {
      this.asyncCalls++
      return v.verify(key, opts)
    },
    verifySync: (key, opts) => v.verifySync(key, opts),
    cacheSize: 0,
    metrics: s.kw.services.metrics.registry,
    close: async () => {},
  }
}

describe('the middlewares answer cached keys through verifySync, without verify', () => {
  let s: TestServer
  let admin: string
  before(async () => {
    s = await TestServer.start('sqlite')
    admin = await s.adminToken()
  })
  after(async () => s?.close())

  it('Fastify, node:http and Hono call verify only for a key that is not cached yet', async () => {
    const v = counting(s)
    const { key, id } = await s.createKey(admin)
    const headers = { authorization: `Bearer ${key}` }
    const app = Fastify()
    await app.register(keywardFastify, { verifier: v })
    app.get('/', async (req) => ({ key_id: req.apiKey?.keyId }))
    assert.deepEqual((await app.inject({ url: '/', headers })).json(), { key_id: id })
    assert.equal(v.asyncCalls, 1) // the first request looked the key up
    assert.deepEqual((await app.inject({ url: '/', headers })).json(), { key_id: id })
    await app.close()

    const hono = new Hono<{ Variables: { apiKey: VerifyResult } }>()
    hono.use('*', keywardHono({ verifier: v }))
    hono.get('/', (c) => c.json({ key_id: c.get('apiKey').keyId }))
    assert.deepEqual(await (await hono.request('/', { headers })).json(), { key_id: id })

    const mw = keywardMiddleware({ verifier: v })
    const req = { headers } as unknown as Parameters<typeof mw>[0]
    let nextCalled = false
    mw(req, {} as Parameters<typeof mw>[1], () => {
      nextCalled = true
    })
    assert.equal(nextCalled, true, 'next() runs in the same tick for a cached key')
    assert.equal(req.apiKey?.keyId, id)
    assert.equal(v.asyncCalls, 1)
  })
})
