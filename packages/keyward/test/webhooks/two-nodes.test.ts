import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { TestServer } from '../helpers.js'
import { Receiver, until } from './receiver.js'

const ENV = { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1' }

describe(
  'two PostgreSQL nodes delivering one outbox',
  { skip: !process.env.KEYWARD_TEST_DATABASE_URL && 'needs PostgreSQL' },
  () => {
    let a: TestServer
    let b: TestServer
    let rx: Receiver
    before(async () => {
      a = await TestServer.start('postgres', { env: ENV })
      b = await TestServer.attach(a.config.databaseUrl, { env: ENV })
      // Slow answers keep both nodes' rounds overlapping, so they compete for the same rows.
      rx = await Receiver.start({ delayMs: 100 })
    })
    after(async () => {
      await b.kw.close()
      await a.close()
      await rx.close()
    })

    it('sends every event exactly once when all succeed, each key in order, while both nodes race for the rows', async () => {
      const admin = await a.adminToken()
      const r = await a.request('POST', '/v1/webhooks', {
        token: admin,
        body: { url: rx.url, events: ['key.created', 'key.updated', 'key.disabled'] },
      })
      assert.equal(r.status, 201)
      const keys: number[] = []
      for (let i = 0; i < 20; i++) keys.push((await a.createKey(admin)).id)
      for (const id of keys) {
        const node = id % 2 ? a : b // writes on both nodes
        await node.request('PATCH', `/v1/keys/${id}`, { token: admin, body: { description: 'one' } })
        await node.request('POST', `/v1/keys/${id}/disable`, { token: admin })
      }
      // Both nodes poll; drive extra rounds on each so they race for the same due rows.
      const race = setInterval(() => {
        void a.kw.services.webhookDispatcher.runOnce().catch(() => {})
        void b.kw.services.webhookDispatcher.runOnce().catch(() => {})
      }, 20)
      try {
        await until(() => rx.received.length >= 60, 60_000, '60 deliveries')
        await new Promise((res) => setTimeout(res, 1_500)) // a duplicate would arrive in this window
      } finally {
        clearInterval(race)
      }
      const ids = rx.received.map((x) => x.headers['webhook-id'])
      assert.equal(ids.length, 60)
      assert.equal(new Set(ids).size, 60, 'no delivery sent twice')
      const byKey = new Map<number, string[]>()
      for (const e of rx.events()) byKey.set(e.data.id as number, [...(byKey.get(e.data.id as number) ?? []), e.type])
      for (const id of keys)
        assert.deepEqual(byKey.get(id), ['key.created', 'key.updated', 'key.disabled'], `key ${id}`)
    })
  },
)
