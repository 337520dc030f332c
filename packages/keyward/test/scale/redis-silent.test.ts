import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { PUBLISH_TIMEOUT_MS } from '../../src/services/cluster/heard-bus.js'
import { REDIS_COMMAND_TIMEOUT_MS } from '../../src/services/cluster/redis.js'
import { ADMIN, TestServer, freshDatabase } from '../helpers.js'
import { SKIP_NO_POSTGRES, within } from './cluster.js'
import { TcpProxy } from './tcp-proxy.js'

const REDIS = process.env.KEYWARD_TEST_REDIS_URL

/**
 * A Redis that stops answering without closing (a half-open link) must not hold a request: every
 * command has `REDIS_COMMAND_TIMEOUT_MS`, then the rate limiter falls back to the node's memory
 * counters; a publish `PUBLISH_TIMEOUT_MS`, then it is owed (`HeardBus`). An attacker found a verification of
 * a rate-limited key and a revocation both unanswered after 8 s.
 */
describe('a node whose Redis goes silent', { skip: SKIP_NO_POSTGRES || !REDIS }, () => {
  let s: TestServer
  let proxy: TcpProxy
  let drop: () => Promise<void>
  let admin: string
  before(async () => {
    const db = await freshDatabase('postgres')
    drop = db.drop
    proxy = new TcpProxy()
    await proxy.start(new URL(REDIS!))
    const prefix = `kwtest:${randomBytes(4).toString('hex')}:`
    s = await TestServer.attach(db.url, { env: { KEYWARD_REDIS_URL: proxy.via(REDIS!), KEYWARD_REDIS_PREFIX: prefix } })
    await s.kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)
    admin = await s.adminToken()
  })
  after(async () => {
    proxy?.freeze(false)
    await s?.close()
    proxy?.close()
    await drop?.()
  })

  it(
    'answers a rate-limited verification and a revocation within a few command timeouts',
    { timeout: 30_000 },
    async () => {
      await within(5_000, () => s.kw.services.bus.connected)
      const limited = await s.createKey(admin, { rate_limit: { limit: 100, window_s: 60 } })
      const plain = await s.createKey(admin)
      proxy.freeze(true)
      try {
        const budget = 4 * REDIS_COMMAND_TIMEOUT_MS + 500
        const t0 = performance.now()
        assert.equal((await s.verify(admin, limited.key)).code, 'VALID', 'the memory counters answer')
        const verifyMs = performance.now() - t0
        assert.ok(verifyMs < budget, `verification answered in ${Math.round(verifyMs)} ms`)
        const t1 = performance.now()
        const revoked = await s.request('POST', `/v1/keys/${plain.id}/revoke`, { token: admin })
        const revokeMs = performance.now() - t1
        assert.equal(revoked.status, 200, revoked.text)
        // One publish, not three: a silent connection would keep it waiting as long again.
        assert.ok(revokeMs < PUBLISH_TIMEOUT_MS + 1_000, `revocation answered in ${Math.round(revokeMs)} ms`)
      } finally {
        proxy.freeze(false)
      }
    },
  )
})
