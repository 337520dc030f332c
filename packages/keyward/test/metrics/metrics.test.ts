import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { generateKey } from '../../src/core/key-format.js'
import { SYNC_SAMPLE_EVERY } from '../../src/services/metrics/metrics.js'
import { listenForMetrics } from '../../src/http/metrics.js'
import { createVerifier } from '../../src/verifier/index.js'
import { within } from '../scale/cluster.js'
import { STORES, TestServer } from '../helpers.js'
import { type Families, parseExposition, valueOf } from './exposition-parser.js'

const TOKEN = randomBytes(24).toString('hex')
const REDIS = process.env.KEYWARD_TEST_REDIS_URL
const SKIP_NO_REDIS = REDIS ? false : 'KEYWARD_TEST_REDIS_URL is not set: the two-node bus needs a real Redis'

/** Node A and node B share the database and a Redis bus and limiter (a namespace of this run only). */
function nodeEnv(prefix: string): Record<string, string> {
  return {
    KEYWARD_METRICS_TOKEN: TOKEN,
    KEYWARD_USAGE_FLUSH_MS: '50',
    KEYWARD_REDIS_URL: REDIS ?? '',
    KEYWARD_REDIS_PREFIX: prefix,
    KEYWARD_INVALIDATION_BUS: 'redis',
    KEYWARD_RATE_LIMIT_STORE: 'redis',
  }
}

/** Real HTTP against a listening node. */
async function call(base: string, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
}

async function scrape(base: string): Promise<Families> {
  const r = await call(base, 'GET', '/metrics', TOKEN)
  assert.equal(r.status, 200, r.text)
  assert.match(r.type ?? '', /^text\/plain; version=0\.0\.4/)
  return parseExposition(r.text)
}

const code = (f: Families, c: string) => valueOf(f, 'keyward_verifications_total', { code: c })

for (const store of STORES) {
  describe(`/metrics after real traffic on two nodes (${store}, Redis bus)`, { skip: SKIP_NO_REDIS }, () => {
    let a: TestServer
    let b: TestServer
    let baseA: string
    let baseB: string
    let admin: string
    before(async () => {
      const env = nodeEnv(`kwtest:${randomBytes(4).toString('hex')}:`)
      a = await TestServer.start(store, { env })
      b = await TestServer.attach(a.config.databaseUrl, { env })
      baseA = await a.kw.app.listen({ host: '127.0.0.1', port: 0 })
      baseB = await b.kw.app.listen({ host: '127.0.0.1', port: 0 })
      admin = await a.adminToken() // a session: bearer keys would count as verifications too
    })
    after(async () => {
      await b?.close()
      await a?.close()
    })

    it('counts each answer, cache hit and miss, rate-limit decision and request the traffic implies', async () => {
      const { key } = await a.createKey(admin)
      const limited = await a.createKey(admin, { rate_limit: { limit: 2, window_s: 3600 } })
      const verify = async (k: string) => {
        const r = await call(baseA, 'POST', '/v1/keys/verify', admin, { key: k })
        assert.equal(r.status, 200, r.text)
        return (JSON.parse(r.text) as { code: string }).code
      }
      for (let i = 0; i < 7; i++) assert.equal(await verify(key), 'VALID') // 1 miss, then 6 hits
      for (let i = 0; i < 3; i++) assert.equal(await verify(generateKey()), 'NOT_FOUND') // 3 misses
      const limitedCodes = [await verify(limited.key), await verify(limited.key), await verify(limited.key)]
      assert.deepEqual(limitedCodes, ['VALID', 'VALID', 'RATE_LIMITED']) // 1 miss, 2 hits; limiter: 2 allowed, 1 limited
      assert.equal((await call(baseA, 'GET', '/v1/no-such-route', admin)).status, 404)
      assert.equal((await call(baseA, 'GET', '/v1/keys/999999', admin)).status, 404) // a route with a parameter
      assert.equal((await call(baseA, 'HEAD', '/healthz', admin)).status, 200) // an implicit HEAD route

      const f = await scrape(baseA)
      assert.equal(code(f, 'VALID'), 9)
      assert.equal(code(f, 'NOT_FOUND'), 3)
      assert.equal(code(f, 'RATE_LIMITED'), 1)
      assert.equal(code(f, 'REVOKED'), 0)
      // Answers that need no I/O are timed one in SYNC_SAMPLE_EVERY and weighted by it (two clock reads
      // cost a third of a cache hit): the histogram's count estimates the 13 answers, the codes above are exact.
      const timed = valueOf(f, 'keyward_verify_duration_seconds_count')
      assert.ok(
        timed >= 5 && Math.abs(timed - 13) < SYNC_SAMPLE_EVERY,
        `${timed} estimates 13 answers, 5 of them timed`,
      )
      assert.equal(valueOf(f, 'keyward_verify_duration_seconds_bucket', { le: '+Inf' }), timed)
      assert.equal(valueOf(f, 'keyward_cache_hits_total'), 8)
      assert.equal(valueOf(f, 'keyward_cache_misses_total'), 5)
      assert.equal(valueOf(f, 'keyward_ratelimit_decisions_total', { store: 'redis', outcome: 'allowed' }), 2)
      assert.equal(valueOf(f, 'keyward_ratelimit_decisions_total', { store: 'redis', outcome: 'limited' }), 1)
      assert.equal(valueOf(f, 'keyward_bus_connected'), 1)
      // Two keys, three known-unknown keys, the admin's session and user entries.
      assert.equal(valueOf(f, 'keyward_cache_entries'), a.kw.services.cache.size)
      assert.ok(valueOf(f, 'keyward_cache_entries') >= 5)
      const verifyRoute = {
        http_request_method: 'POST',
        http_route: '/v1/keys/verify',
        http_response_status_code: '200',
      }
      assert.equal(valueOf(f, 'http_server_request_duration_seconds_count', verifyRoute), 13)
      const unmatched = { http_request_method: 'GET', http_route: '', http_response_status_code: '404' }
      assert.equal(valueOf(f, 'http_server_request_duration_seconds_count', unmatched), 1)
      const byPattern = { http_request_method: 'GET', http_route: '/v1/keys/:id', http_response_status_code: '404' }
      assert.equal(valueOf(f, 'http_server_request_duration_seconds_count', byPattern), 1, 'the pattern, not the path')
      const head = { http_request_method: 'HEAD', http_route: '/healthz', http_response_status_code: '200' }
      assert.equal(valueOf(f, 'http_server_request_duration_seconds_count', head), 1)
      for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds'])
        assert.ok(f.has(name), `${name} (Node default metrics)`)
    })

    it('flushes usage and shows the flush histogram', async () => {
      await within(5_000, async () => valueOf(await scrape(baseA), 'keyward_usage_flush_duration_seconds_count') > 0)
    })

    it('measures publish → evict on this node for a write made on the other node', async () => {
      const { key, id } = await a.createKey(admin)
      const verify = async (base: string) => {
        const r = await call(base, 'POST', '/v1/keys/verify', admin, { key })
        return (JSON.parse(r.text) as { code: string }).code
      }
      assert.equal(await verify(baseA), 'VALID') // cached on A
      const before = valueOf(await scrape(baseA), 'keyward_invalidation_lag_seconds_count')
      const bAdmin = await b.adminToken()
      assert.equal((await call(baseB, 'POST', `/v1/keys/${id}/revoke`, bAdmin)).status, 200)
      await within(5_000, async () => valueOf(await scrape(baseA), 'keyward_invalidation_lag_seconds_count') > before)
      assert.equal(await verify(baseA), 'REVOKED') // the eviction the histogram counted
      const f = await scrape(baseA)
      const count = valueOf(f, 'keyward_invalidation_lag_seconds_count')
      assert.ok(valueOf(f, 'keyward_invalidation_lag_seconds_sum') / count < 5, 'lag is seconds, not milliseconds')
      assert.equal(valueOf(await scrape(baseB), 'keyward_bus_connected'), 1)
    })
  })
}

describe('/metrics is never public by default', () => {
  let open: TestServer
  let guarded: TestServer
  before(async () => {
    open = await TestServer.start('sqlite')
    guarded = await TestServer.start('sqlite', { env: { KEYWARD_METRICS_TOKEN: TOKEN } })
  })
  after(async () => {
    await open?.close()
    await guarded?.close()
  })

  it('answers 404 on the public port without KEYWARD_METRICS_TOKEN, even to an admin', async () => {
    assert.equal((await open.request('GET', '/metrics', { token: await open.adminToken() })).status, 404)
  })

  it('answers 401 without the token or with another credential, 200 with it', async () => {
    assert.equal((await guarded.request('GET', '/metrics')).status, 401)
    assert.equal((await guarded.request('GET', '/metrics', { token: await guarded.adminToken() })).status, 401)
    assert.equal((await guarded.request('GET', '/metrics', { token: TOKEN.slice(1) })).status, 401)
    assert.equal((await guarded.request('GET', '/metrics', { token: TOKEN })).status, 200)
  })

  it('rejects a short token at startup', async () => {
    await assert.rejects(TestServer.start('sqlite', { env: { KEYWARD_METRICS_TOKEN: 'short' } }), /at least 16/)
  })

  it('serves /metrics alone on the metrics port, with the token when one is set', async () => {
    const listener = await listenForMetrics({ ...open.config, metricsPort: 0 }, open.kw.services.metrics.registry)
    const guardedListener = await listenForMetrics(
      { ...guarded.config, metricsPort: 0 },
      guarded.kw.services.metrics.registry,
    )
    try {
      const url = `http://127.0.0.1:${listener.port}`
      const r = await fetch(`${url}/metrics`)
      assert.equal(r.status, 200)
      assert.ok(parseExposition(await r.text()).has('keyward_verifications_total'))
      assert.equal((await fetch(`${url}/v1/keys`)).status, 404)
      const g = `http://127.0.0.1:${guardedListener.port}/metrics`
      assert.equal((await fetch(g)).status, 401)
      assert.equal((await fetch(g, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200)
    } finally {
      await listener.close()
      await guardedListener.close()
    }
  })
})

describe("the embedded verifier's registry", () => {
  it('counts its own verifications and merges into a host registry that has the default metrics', async () => {
    const s = await TestServer.start('sqlite')
    const v = await createVerifier({ databaseUrl: s.config.databaseUrl })
    try {
      const { key } = await s.createKey(await s.adminToken())
      assert.equal((await v.verify(key)).code, 'VALID')
      assert.equal(v.verifySync(key)?.code, 'VALID')
      assert.equal(v.verifySync('nope')?.code, 'MALFORMED')
      const host = new Registry()
      collectDefaultMetrics({ register: host })
      const f = parseExposition(await Registry.merge([host, v.metrics]).metrics())
      assert.equal(code(f, 'VALID'), 2)
      assert.equal(code(f, 'MALFORMED'), 1)
      assert.equal(valueOf(f, 'keyward_cache_hits_total'), 1)
      assert.equal(valueOf(f, 'keyward_cache_misses_total'), 1)
      assert.ok(f.has('process_cpu_user_seconds_total'))
      assert.ok(!parseExposition(await v.metrics.metrics()).has('nodejs_heap_size_used_bytes'))
    } finally {
      await v.close()
      await s.close()
    }
  })
})
