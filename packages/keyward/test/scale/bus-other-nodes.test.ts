import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { CANARY_READ_GIVE_UP_MS } from '../../src/services/cluster/bus-canary.js'
import { DEAF_AFTER_MS, HEARTBEAT_MS, PUBLISH_TIMEOUT_MS } from '../../src/services/cluster/heard-bus.js'
import { type KeywardVerifier, createVerifier } from '../../src/verifier/index.js'
import { ADMIN, TestServer, freshDatabase } from '../helpers.js'
import { SKIP_NO_POSTGRES, within } from './cluster.js'
import { TcpProxy } from './tcp-proxy.js'

const REDIS = process.env.KEYWARD_TEST_REDIS_URL
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Canaries every other beat, read as often, judged after DEAF_AFTER_MS; then the short TTL (1 s here). */
const NOTICED_MS = DEAF_AFTER_MS + 6 * HEARTBEAT_MS + 1_000

/** A second, throwaway Redis server on a free port (the one CI starts is the first). */
async function secondRedis(): Promise<{ url: string; stop: () => void }> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''])
    let out = ''
    child.on('error', (e) => (out += `could not run redis-server: ${e.message}`))
    child.stdout!.on('data', (d) => (out += d))
    const ready = () => out.includes('Ready to accept')
    const failed = () => child.exitCode !== null || out.includes('could not run')
    await within(5_000, () => ready() || failed()).catch(() => undefined)
    if (ready()) return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill() }
    child.kill() // a port taken, most likely: another one
    if (attempt > 5 || out.includes('could not run')) throw new Error(`redis-server did not start: ${out}`)
  }
}

/**
 * Invariant 3 of `HeardBus` (services/cluster/bus-canary.ts): a node hears the other nodes, not
 * just itself. Attackers' finds, each answering VALID for a revoked key with no end while its bus
 * reported up: a server or an embedded verifier given another Redis server than the others (or
 * split from them by a failover that left the old primary up), since each heard its own heartbeat.
 */
describe('a node on another Redis than the others', { skip: SKIP_NO_POSTGRES || !REDIS }, () => {
  let other: { url: string; stop: () => void }
  let a: TestServer
  let b: TestServer
  let v: KeywardVerifier
  const verifierErrors: string[] = []
  let drop: () => Promise<void>
  let admin: string
  before(async () => {
    other = await secondRedis()
    const db = await freshDatabase('postgres')
    drop = db.drop
    const prefix = `kwtest:${randomBytes(4).toString('hex')}:`
    const env = (url: string) => ({
      KEYWARD_REDIS_URL: url,
      KEYWARD_REDIS_PREFIX: prefix,
      KEYWARD_RATE_LIMIT_STORE: 'postgres',
      KEYWARD_CACHE_FALLBACK_TTL_MS: '1000',
    })
    a = await TestServer.attach(db.url, { env: env(REDIS!) })
    await a.kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)
    b = await TestServer.attach(db.url, { env: env(other.url) })
    v = await createVerifier({
      databaseUrl: db.url,
      redisUrl: other.url,
      redisPrefix: prefix,
      rateLimitStore: 'postgres',
      cacheFallbackTtlMs: 1_000,
      onError: (e) => verifierErrors.push((e as Error).message),
    })
    admin = await a.adminToken()
  })
  after(async () => {
    await v?.close()
    await a?.close()
    await b?.close()
    other?.stop()
    await drop?.()
  })

  it('each side reports the bus down, and a key revoked on one side is refused on the other', async () => {
    const { key, id } = await a.createKey(admin)
    assert.equal((await b.verify(admin, key)).code, 'VALID')
    assert.equal((await v.verify(key)).code, 'VALID')
    const verifierDeaf = () => verifierErrors.some((m) => m.includes('does not carry the other nodes’ messages'))
    const down = () => !a.kw.services.bus.connected && !b.kw.services.bus.connected && verifierDeaf()
    await within(NOTICED_MS + 2_000, down, 50)
    assert.equal((await a.request('POST', `/v1/keys/${id}/revoke`, { token: admin })).status, 200)
    await sleep(1_100)
    assert.equal((await b.verify(admin, key)).code, 'REVOKED', 'the server on the other Redis')
    assert.equal((await v.verify(key)).code, 'REVOKED', 'the verifier on the other Redis')
  })
})

/**
 * The canaries go through the database; the bus does not. With the database unreachable and Redis
 * fine, a node kept serving cached keys before the canaries, and must still: a first fix for a hung
 * canary check counted a failing one as deafness, and cached keys answered 503 from 4 s into an
 * outage (a reviewer's find). Failing canary reads judge nothing.
 */
describe('a database outage with the Redis bus up', { skip: SKIP_NO_POSTGRES || !REDIS }, () => {
  let a: TestServer
  let proxy: TcpProxy
  let drop: () => Promise<void>
  before(async () => {
    const db = await freshDatabase('postgres')
    drop = db.drop
    proxy = new TcpProxy()
    await proxy.start(new URL(db.url))
    const env = { KEYWARD_REDIS_URL: REDIS!, KEYWARD_REDIS_PREFIX: `kwtest:${randomBytes(4).toString('hex')}:` }
    a = await TestServer.attach(proxy.via(db.url), { env: { ...env, KEYWARD_RATE_LIMIT_STORE: 'memory' } })
    await a.kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)
  })
  after(async () => {
    proxy?.close()
    await a?.close().catch(() => {})
    await drop?.()
  })

  it('keeps answering a cached key, its bus up, through 6 s of outage', async () => {
    const { key } = await a.createKey(await a.adminToken())
    const v = a.kw.services.verifier
    assert.equal((await v.verify(key)).code, 'VALID')
    await within(10_000, () => a.kw.services.bus.connected, 20)
    proxy.blip(PUBLISH_TIMEOUT_MS + DEAF_AFTER_MS + 3_000)
    for (let s = 1; s <= 6; s++) {
      await sleep(1_000)
      assert.equal((await v.verify(key)).code, 'VALID', `${s} s into the outage`)
      assert.equal(a.kw.services.bus.connected, true, `${s} s into the outage`)
    }
  })
})

/**
 * A canary read on a half-open pooled connection (a NAT or load balancer that dropped it silently)
 * never settles: PostgreSQL's `statement_timeout` is the server's, and the server never got the
 * query. The node checks one read at a time, so before reads were given up on it never judged
 * again: a verifier on another Redis than the servers stayed up and answered VALID for a revoked
 * key with no end (a known gap of the canaries, closed here). `BusCanary.tick` gives a read up
 * after `CANARY_READ_GIVE_UP_MS` (it judges nothing) and the next tick reads afresh.
 */
describe('a canary read that never answers', { skip: SKIP_NO_POSTGRES || !REDIS }, () => {
  let other: { url: string; stop: () => void }
  let a: TestServer
  let v: KeywardVerifier
  let proxy: TcpProxy
  let drop: () => Promise<void>
  const verifierErrors: string[] = []
  before(async () => {
    other = await secondRedis()
    const db = await freshDatabase('postgres')
    drop = db.drop
    proxy = new TcpProxy()
    await proxy.start(new URL(db.url))
    const prefix = `kwtest:${randomBytes(4).toString('hex')}:`
    a = await TestServer.attach(db.url, {
      env: { KEYWARD_REDIS_URL: REDIS!, KEYWARD_REDIS_PREFIX: prefix, KEYWARD_RATE_LIMIT_STORE: 'postgres' },
    })
    await a.kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)
    // The verifier's first canary read goes out on a connection that then carries nothing, either way.
    proxy.silenceNext((chunk) => chunk.includes('cluster_setting') && chunk.includes('"updated_at" >'))
    v = await createVerifier({
      databaseUrl: proxy.via(db.url),
      redisUrl: other.url,
      redisPrefix: prefix,
      rateLimitStore: 'postgres',
      cacheFallbackTtlMs: 1_000,
      onError: (e) => verifierErrors.push((e as Error).message),
    })
  })
  after(async () => {
    proxy?.close() // first: the silenced connection's query is still out, and the pool's end would wait for it
    await v?.close().catch(() => {})
    await a?.close()
    other?.stop()
    await drop?.()
  })

  it('is given up on: the verifier on another Redis goes deaf and refuses a revoked key', async () => {
    const admin = await a.adminToken()
    const { key, id } = await a.createKey(admin)
    assert.equal((await v.verify(key)).code, 'VALID')
    const deaf = () => verifierErrors.some((m) => m.includes('does not carry the other nodes’ messages'))
    await within(CANARY_READ_GIVE_UP_MS + NOTICED_MS + 3_000, deaf, 50)
    assert.equal((await a.request('POST', `/v1/keys/${id}/revoke`, { token: admin })).status, 200)
    await sleep(1_100)
    assert.equal((await v.verify(key)).code, 'REVOKED')
  })
})
