import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { loadConfig } from '../../src/config.js'
import { hashSecret } from '../../src/core/key-format.js'
import { createKeyward, type Keyward } from '../../src/server.js'
import { Verifier } from '../../src/services/keys/verifier.js'
import { api as call } from '../dashboard/browser.js'
import { ADMIN, STORES, freshDatabase } from '../helpers.js'

const FAST = { KEYWARD_LOG_LEVEL: 'silent', KEYWARD_PASSWORD_SCRYPT_N: '16384' }

/** A listening server with its first admin: a session token, and one key it created. */
async function serve(kw: Keyward) {
  await kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)
  const base = await kw.app.listen({ host: '127.0.0.1', port: 0 })
  const admin = (await call(base, 'POST', '/v1/auth/login', undefined, ADMIN)).body.access_token as string
  const created = await call(base, 'POST', '/v1/keys', admin, { name: 'traced' })
  return { base, admin, key: created.body.key as string }
}

const attributeValues = (spans: ReadableSpan[]) => spans.flatMap((s) => Object.values(s.attributes).map(String))

for (const store of STORES) {
  describe(`tracing with the SDK's in-memory exporter (${store})`, () => {
    const exporter = new InMemorySpanExporter()
    let kw: Keyward
    let drop: () => Promise<void>
    before(async () => {
      const db = await freshDatabase(store)
      drop = db.drop
      const config = loadConfig({ KEYWARD_DATABASE_URL: db.url, ...FAST })
      kw = await createKeyward(config, { logger: false, spanSink: { exporter, immediate: true } })
    })
    after(async () => {
      await kw?.close()
      await drop?.()
    })

    it('spans each request, each verify (cache miss, then hit) and its store query, without key material', async () => {
      const { base, admin, key } = await serve(kw)
      exporter.reset()
      for (let i = 0; i < 2; i++)
        assert.equal((await call(base, 'POST', '/v1/keys/verify', admin, { key })).status, 200)
      assert.equal((await call(base, 'GET', `/healthz?apikey=${key}`)).status, 200)
      const spans = exporter.getFinishedSpans()
      const verifies = spans.filter((s) => s.name === 'keyward.verify')
      assert.deepEqual(
        verifies.map((s) => [s.attributes['keyward.cache.hit'], s.attributes['keyward.verify.code']]),
        [
          [false, 'VALID'],
          [true, 'VALID'],
        ],
      )
      const requests = spans.filter((s) => s.name === 'request' && s.attributes['http.route'] === '/v1/keys/verify')
      assert.equal(requests.length, 2)
      assert.ok(requests.every((r) => r.attributes['http.response.status_code'] === 200))
      // The miss's query runs under its verify span, which runs under that request's trace.
      const miss = verifies[0]!
      assert.equal(miss.spanContext().traceId, requests[0]!.spanContext().traceId)
      const queries = spans.filter((s) => s.parentSpanContext?.spanId === miss.spanContext().spanId)
      assert.ok(queries.length >= 1, 'the lookup of a cache miss is a child span')
      assert.equal(queries[0]!.attributes['db.operation.name'], 'SELECT')
      assert.equal(queries[0]!.attributes['db.system.name'], store === 'postgres' ? 'postgresql' : 'sqlite')
      assert.equal(spans.filter((s) => s.parentSpanContext?.spanId === verifies[1]!.spanContext().spanId).length, 0)
      const health = spans.find((s) => s.attributes['http.route'] === '/healthz' && s.name === 'request')
      assert.equal(health?.attributes['url.path'], '/healthz')
      for (const v of attributeValues(spans)) {
        assert.ok(!v.includes(key), `a span attribute holds the key: ${v}`)
        assert.ok(!v.includes(hashSecret(key)), `a span attribute holds the key's hash: ${v}`)
      }
    })
  })
}

describe('tracing is off without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('wires no tracing: plain Verifier, no provider', async () => {
    const db = await freshDatabase('sqlite')
    const kw = await createKeyward(loadConfig({ KEYWARD_DATABASE_URL: db.url, ...FAST }), { logger: false })
    try {
      assert.equal(kw.services.tracing, null)
      assert.equal(Object.getPrototypeOf(kw.services.verifier), Verifier.prototype)
    } finally {
      await kw.close()
    }
  })
})

describe('OTEL_EXPORTER_OTLP_ENDPOINT end to end', () => {
  it('exports the spans as OTLP/HTTP JSON to a real receiver on loopback', async () => {
    const bodies: { path: string; type: string | undefined; json: unknown }[] = []
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        bodies.push({
          path: req.url!,
          type: req.headers['content-type'],
          json: JSON.parse(Buffer.concat(chunks).toString()),
        })
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    const db = await freshDatabase('sqlite')
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
    const config = loadConfig({ KEYWARD_DATABASE_URL: db.url, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...FAST })
    const kw = await createKeyward(config, { logger: false })
    try {
      const { base, admin, key } = await serve(kw)
      assert.equal((await call(base, 'POST', '/v1/keys/verify', admin, { key })).body.code, 'VALID')
    } finally {
      await kw.close() // shutdown exports what the batch holds
      receiver.close()
    }
    assert.ok(bodies.length > 0, 'the receiver got an export')
    assert.ok(bodies.every((b) => b.path === '/v1/traces' && b.type?.startsWith('application/json')))
    const text = JSON.stringify(bodies.map((b) => b.json))
    const names = [...text.matchAll(/"name":"([^"]+)"/g)].map((m) => m[1])
    assert.ok(names.includes('keyward.verify'), names.join(', '))
    assert.ok(names.includes('request'))
    assert.match(text, /"key":"service.name","value":\{"stringValue":"keyward"\}/)
  })
})
