import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { ownedKeysChunk } from '../../src/store/owned-keys.js'
import { failEndingOf } from '../fixtures/failing-chunk.js'
import { STORES, serverForSuite } from '../helpers.js'

const byNumber = (a: number, b: number) => a - b

/**
 * A user's deletion revokes their keys chunk by chunk; a chunk that fails (here: a real trigger
 * aborting its UPDATE) must not leave keys refused-but-not-revoked for good. A retried DELETE and
 * the sweeper finish the remaining chunks, each key revoked with exactly one `key.revoked` event.
 */
for (const store of STORES) {
  describe(`an interrupted user deletion is finished later (${store})`, () => {
    const suite = serverForSuite(store)

    const db = () => suite.s.kw.services.store.db
    const chunk = () => ownedKeysChunk(suite.s.kw.services.store.dialect)

    /** A member with more keys than one chunk; the plaintexts of the first and last, ids of all. */
    async function doomedWithKeys() {
      const u = await suite.s.member(`gone${randomBytes(3).toString('hex')}`, suite.admin)
      const plaintexts = Array.from({ length: chunk() + 20 }, () => `ext_${randomBytes(24).toString('hex')}`)
      const r = await suite.s.request('POST', '/v1/keys/import', {
        token: u.token,
        body: { keys: plaintexts.map((plaintext) => ({ plaintext })) },
      })
      assert.equal(r.status, 200, r.text)
      const ids = (r.body.keys as { id: number }[]).map((k) => k.id)
      return { u, ids: [...ids].sort(byNumber), first: plaintexts[0]!, last: plaintexts.at(-1)!, lastId: ids.at(-1)! }
    }

    const revokedEvents = async (ids: number[]) =>
      (
        await db()
          .selectFrom('key_event')
          .select('key_id')
          .where('type', '=', 'key.revoked')
          .where('key_id', 'in', ids)
          .orderBy('key_id')
          .execute()
      ).map((r) => r.key_id)
    const liveKeys = async (ids: number[]) =>
      (await db().selectFrom('api_key').select('id').where('id', 'in', ids).where('revoked_at', 'is', null).execute())
        .length

    /** Deletes the user with the last chunk failing: the first chunk is revoked, the rest refused only. */
    async function interruptedDeletion() {
      const d = await doomedWithKeys()
      const healChunks = await failEndingOf(db(), store, d.lastId, 'revoke')
      try {
        const del = await suite.s.request('DELETE', `/v1/users/${d.u.id}`, { token: suite.admin })
        assert.equal(del.status, 500, del.text)
      } finally {
        await healChunks()
      }
      assert.equal(await liveKeys(d.ids), 20, 'the failed chunk revoked nothing')
      assert.equal((await revokedEvents(d.ids)).length, chunk(), 'the first chunk committed with its events')
      assert.equal(
        (await suite.s.verify(suite.admin, d.last)).code,
        'DISABLED',
        'refused meanwhile: the user is a tombstone',
      )
      return d
    }

    it('a retried DELETE revokes the remaining keys, each with one key.revoked event', async () => {
      const d = await interruptedDeletion()
      const retry = await suite.s.request('DELETE', `/v1/users/${d.u.id}`, { token: suite.admin })
      assert.equal(retry.status, 204, retry.text)
      assert.equal(await liveKeys(d.ids), 0)
      assert.deepEqual(await revokedEvents(d.ids), d.ids, 'one key.revoked per key, none twice')
      assert.equal((await suite.s.verify(suite.admin, d.last)).code, 'REVOKED')
      assert.equal((await suite.s.verify(suite.admin, d.first)).code, 'REVOKED')
      const done = await suite.s.request('DELETE', `/v1/users/${d.u.id}`, { token: suite.admin })
      assert.equal(done.status, 404, 'a finished deletion leaves no user to delete')
    })

    it('the sweeper finishes an interrupted deletion nobody retries', async () => {
      const d = await interruptedDeletion()
      const swept = await suite.s.kw.services.sweeper.sweep()
      assert.equal(swept.deletionsFinished, 1)
      assert.equal(await liveKeys(d.ids), 0)
      assert.deepEqual(await revokedEvents(d.ids), d.ids)
      assert.equal((await suite.s.verify(suite.admin, d.last)).code, 'REVOKED')
      assert.equal((await suite.s.kw.services.sweeper.sweep()).deletionsFinished, 0, 'nothing left to finish')
    })

    it('a retry and a sweep racing each other still revoke each key once', async () => {
      const d = await interruptedDeletion()
      const finish = () => suite.s.kw.services.userLifecycle.finishDeletions() // what each node's sweeper runs
      const [retry] = await Promise.all([
        suite.s.request('DELETE', `/v1/users/${d.u.id}`, { token: suite.admin }),
        finish(),
        finish(),
        finish(),
      ])
      assert.ok(retry.status === 204 || retry.status === 404, retry.text)
      assert.equal(await liveKeys(d.ids), 0)
      assert.deepEqual(await revokedEvents(d.ids), d.ids, 'exactly one event per key')
    })

    it('a member cannot learn of, or finish, another user’s interrupted deletion', async () => {
      const d = await interruptedDeletion()
      const member = await suite.s.member(`nosy${randomBytes(3).toString('hex')}`, suite.admin)
      const r = await suite.s.request('DELETE', `/v1/users/${d.u.id}`, { token: member.token })
      assert.equal(r.status, 404)
      assert.equal(await liveKeys(d.ids), 20)
      await suite.s.kw.services.sweeper.sweep()
    })
  })
}
