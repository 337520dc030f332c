import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type KeywardVerifier, createVerifier } from '../../src/verifier/index.js'
import { Cluster, SKIP_NO_POSTGRES, within } from './cluster.js'

/**
 * Servers on PostgreSQL that publish on Redis; an embedded verifier given the database URL alone
 * (README's example) listened on PostgreSQL, heard no revocation and counted limits apart (an
 * attacker's find). Now it refuses to start and says what to give it; given the servers'
 * settings it hears a revocation.
 */
describe(
  'an embedded verifier agrees with the servers on the bus and limiter',
  {
    skip: SKIP_NO_POSTGRES || !process.env.KEYWARD_TEST_REDIS_URL,
  },
  () => {
    let c: Cluster
    let v: KeywardVerifier | undefined
    before(async () => {
      c = await Cluster.start(1, 'redis')
    })
    after(async () => {
      await v?.close()
      await c?.close()
    })

    it('refuses to start on the database URL alone, naming what the servers use', async () => {
      await assert.rejects(
        createVerifier({ databaseUrl: c.url }),
        /servers of this database use redis for invalidation bus/,
      )
    })

    it('refuses the servers’ Redis under another prefix (another channel), starts with a local bus (short TTLs)', async () => {
      const node = c.nodes[0]!
      await assert.rejects(
        createVerifier({ databaseUrl: c.url, redisUrl: node.config.redisUrl!, redisPrefix: 'other:' }),
        /use kwtest:[0-9a-f]+: for redis prefix, this verifier other:/,
      )
      // Sharing nothing by choice (PgBouncer cannot LISTEN): bounded by its TTLs, nothing to disagree on.
      const local = await createVerifier({ databaseUrl: c.url, invalidationBus: 'local', rateLimitStore: 'memory' })
      await local.close()
    })

    it('refuses the servers’ Redis under another database index (its limits would be counted apart)', async () => {
      const node = c.nodes[0]!
      const url = new URL(node.config.redisUrl!)
      url.pathname = '/5'
      await assert.rejects(
        createVerifier({ databaseUrl: c.url, redisUrl: url.toString(), redisPrefix: node.config.redisPrefix }),
        /use 0 for redis database, this verifier 5/,
      )
      // ioredis also takes the index from `?db=` (a reviewer's find: it was read as 0).
      const query = new URL(node.config.redisUrl!)
      query.searchParams.set('db', '3')
      await assert.rejects(
        createVerifier({ databaseUrl: c.url, redisUrl: query.toString(), redisPrefix: node.config.redisPrefix }),
        /use 0 for redis database, this verifier 3/,
      )
    })

    it('given the servers’ settings, it hears a revocation', async () => {
      const node = c.nodes[0]!
      v = await createVerifier({
        databaseUrl: c.url,
        redisUrl: node.config.redisUrl!,
        redisPrefix: node.config.redisPrefix,
      })
      const admin = await node.adminToken()
      const { key, id } = await node.createKey(admin)
      assert.equal((await v.verify(key)).code, 'VALID')
      assert.equal((await node.request('POST', `/v1/keys/${id}/revoke`, { token: admin })).status, 200)
      await within(2_000, async () => (await v!.verify(key)).code === 'REVOKED')
    })
  },
)
