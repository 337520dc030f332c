import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ADMIN, freshDatabase } from '../helpers.js'
import { serve } from './spawn-server.js'

/**
 * README: "run any number of `keyward serve` on one PostgreSQL". Started together on a fresh
 * database, each node finds no user and makes the first admin; all but one then meet the
 * unique email. That is another node's success, not a failure: every node must listen (a new
 * user found one refusing to start and then never exiting, its pools still open).
 */
describe('nodes started together on a fresh PostgreSQL', () => {
  it('all listen, one admin is made, and it signs in on each', async () => {
    const db = await freshDatabase('postgres')
    const nodes = await Promise.allSettled([serve(db.url), serve(db.url), serve(db.url)])
    try {
      const failed = nodes.flatMap((n) => (n.status === 'rejected' ? [String(n.reason).slice(0, 400)] : []))
      assert.deepEqual(failed, [], 'every node listens')
      for (const n of nodes) {
        if (n.status !== 'fulfilled') continue
        const r = await fetch(`${n.value.base}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ADMIN),
        })
        assert.equal(r.status, 200, `the admin signs in at ${n.value.base}`)
      }
      const made = nodes.filter(
        (n) => n.status === 'fulfilled' && /created the first admin user/.test(n.value.output()),
      )
      assert.equal(made.length, 1, 'one node made the admin')
    } finally {
      for (const n of nodes) if (n.status === 'fulfilled') n.value.proc.kill('SIGTERM')
      await Promise.all(nodes.flatMap((n) => (n.status === 'fulfilled' ? [n.value.exited] : [])))
      await db.drop()
    }
  })
})
