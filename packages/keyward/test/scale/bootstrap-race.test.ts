import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ADMIN, TestServer, freshDatabase } from '../helpers.js'
import { SKIP_NO_POSTGRES } from './cluster.js'

/**
 * Two nodes making the first admin at once (both count no user before either inserts: hashing
 * the password is asynchronous): one makes it, the other answers "made elsewhere" (null), not a
 * conflict that failed its start (a new user's two nodes; `first-start-race` runs real processes).
 */
describe('the first admin, made by two nodes at once', { skip: SKIP_NO_POSTGRES }, () => {
  it('is made once; the other node is told it exists', async () => {
    const db = await freshDatabase('postgres')
    const [a, b] = [await TestServer.attach(db.url), await TestServer.attach(db.url)]
    try {
      const made = await Promise.all([a, b].map((n) => n.kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)))
      assert.equal(made.filter((m) => m !== null).length, 1, 'one node made it')
      assert.equal(made.filter((m) => m === null).length, 1, 'the other was told it exists')
      assert.equal(typeof (await a.adminToken()), 'string')
    } finally {
      await a.kw.close()
      await b.kw.close()
      await db.drop()
    }
  })
})
