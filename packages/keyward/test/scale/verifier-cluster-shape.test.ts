import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type KeywardVerifier, createVerifier } from '../../src/verifier/index.js'
import pgClient from 'pg'
import { TestServer } from '../helpers.js'
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
        /servers of this database use redis for their invalidation bus, and this verifier uses postgres: /,
      )
    })

    it('refuses the servers’ Redis under another prefix (another channel), starts with a local bus (short TTLs)', async () => {
      const node = c.nodes[0]!
      await assert.rejects(
        createVerifier({ databaseUrl: c.url, redisUrl: node.config.redisUrl!, redisPrefix: 'other:' }),
        /use kwtest:[0-9a-f]+: for their redis prefix, and this verifier uses other:/,
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
        /use 0 for their redis database, and this verifier uses 5/,
      )
      // ioredis also takes the index from `?db=` (a reviewer's find: it was read as 0).
      const query = new URL(node.config.redisUrl!)
      query.searchParams.set('db', '3')
      await assert.rejects(
        createVerifier({ databaseUrl: c.url, redisUrl: query.toString(), redisPrefix: node.config.redisPrefix }),
        /use 0 for their redis database, and this verifier uses 3/,
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

/**
 * A server recorded its shape over the others' (the last one started won): one started with another Redis
 * database index counted every limit apart from the running nodes (a key limited to 3 a minute got 3 on each),
 * and the embedded verifiers configured like the running nodes then refused to start, naming the stray
 * server's settings as the servers' (an operator's find). A server now refuses to start while servers of
 * another shape are running (a canary within 30 s), and records its own once none is.
 */
describe(
  'a server started with another shape than the running servers refuses to start',
  { skip: SKIP_NO_POSTGRES || !process.env.KEYWARD_TEST_REDIS_URL },
  () => {
    let c: Cluster
    before(async () => {
      c = await Cluster.start(1, 'redis')
    })
    after(() => c?.close())

    const envLike = (node: TestServer, change: Record<string, string>) => ({
      KEYWARD_REDIS_URL: node.config.redisUrl!,
      KEYWARD_REDIS_PREFIX: node.config.redisPrefix,
      KEYWARD_INVALIDATION_BUS: 'redis',
      KEYWARD_RATE_LIMIT_STORE: 'redis',
      ...change,
    })

    it('refuses another Redis database index or prefix while a server runs, and says how to change it', async () => {
      const node = c.nodes[0]!
      const pg = new pgClient.Client({ connectionString: c.url })
      await pg.connect()
      // The running server has sent a canary (once a second).
      await within(
        5_000,
        async () => (await pg.query("select 1 from cluster_setting where name like 'bus_canary:%'")).rowCount! > 0,
      )
      await pg.end()
      const url = new URL(node.config.redisUrl!)
      url.pathname = '/5'
      await assert.rejects(
        TestServer.attach(c.url, { env: envLike(node, { KEYWARD_REDIS_URL: url.toString() }) }),
        /running servers of this database use 0 for their redis database, and this server uses 5: .*stop them all/,
      )
      await assert.rejects(
        TestServer.attach(c.url, { env: envLike(node, { KEYWARD_REDIS_PREFIX: 'other:' }) }),
        /for their redis prefix, and this server uses other:/,
      )
      const same = await TestServer.attach(c.url, { env: envLike(node, {}) })
      await same.close()
      const v = await createVerifier({
        databaseUrl: c.url,
        redisUrl: node.config.redisUrl!,
        redisPrefix: node.config.redisPrefix,
      })
      await v.close() // the recorded shape is still the running servers'
    })

    it('records its own shape once no server of the old one runs', async () => {
      const node = c.nodes.pop()!
      await node.close()
      const pg = new pgClient.Client({ connectionString: c.url })
      await pg.connect()
      try {
        // As if every server had stopped more than 30 s ago: no canary is recent.
        await pg.query(
          "update cluster_setting set updated_at = '2000-01-01T00:00:00.000Z' where name like 'bus_canary:%'",
        )
        const url = new URL(node.config.redisUrl!)
        url.pathname = '/5'
        const moved = await TestServer.attach(c.url, { env: envLike(node, { KEYWARD_REDIS_URL: url.toString() }) })
        const r = await pg.query("select value from cluster_setting where name = 'redis_database'")
        assert.equal(r.rows[0].value, '5')
        await moved.close()
      } finally {
        await pg.end()
      }
    })
  },
)
