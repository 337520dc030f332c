import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { TestServer } from '../helpers.js'
import { BACKENDS, Cluster, SKIP_NO_POSTGRES } from './cluster.js'

async function wrongLogin(node: TestServer, email: string, ip: string): Promise<number> {
  const r = await node.kw.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    remoteAddress: ip,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ email, password: 'wrong' }),
  })
  return r.statusCode
}

for (const backend of BACKENDS) {
  describe(`login throttling is shared by every node (${backend} store)`, { skip: SKIP_NO_POSTGRES }, () => {
    let c: Cluster
    before(async () => {
      c = await Cluster.start(2, backend)
      const admin = await c.nodes[0]!.adminToken()
      await c.nodes[0]!.member('shared', admin)
    })
    after(() => c?.close())

    it('two nodes allow 10 failures per (account, IP) in all, not 10 each, even when raced', async () => {
      const statuses = await Promise.all(
        Array.from({ length: 24 }, (_, i) => wrongLogin(c.nodes[i % 2]!, 'shared@example.com', '198.51.100.7')),
      )
      assert.equal(statuses.filter((x) => x === 401).length, 10, `statuses: ${statuses.join(' ')}`)
      assert.equal(statuses.filter((x) => x === 429).length, 14)
      for (const node of c.nodes) assert.equal(await wrongLogin(node, 'shared@example.com', '198.51.100.7'), 429)
    })
  })
}
