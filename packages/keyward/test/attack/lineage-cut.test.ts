import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Attack ("revoke ends it"): `revoke {minted: true}` follows `created_by_key_id` from the leaked key
 * down. A reviewer's find: its holder cut that line before the owner acted — it deleted a key it made
 * (whose own keys then named a key that no longer exists), or itself (the revoke then answered 404) —
 * and the keys below stayed live. Revoking a key it made (a plain revoke) hid them too: the cascade went
 * down through keys it revoked, not through keys already revoked. Now a key may not delete a key that
 * made keys (409), and the cascade goes down through every key made, revoked or not.
 */
for (const store of STORES) {
  describe(`attack: a leaked key cuts its line before the owner revokes it with what it made (${store})`, () => {
    const suite = serverForSuite(store)

    /** The owner, a leaked key of theirs, a key the leaked key made, and a key that one made. */
    const line = async (name: string) => {
      const { s, admin } = suite
      const owner = await s.member(name, admin)
      const leaked = await s.createKey(owner.token, { name: 'leaked' })
      const child = await s.createKey(leaked.key, { name: 'child' })
      const grandchild = await s.createKey(child.key, { name: 'grandchild' })
      return { owner, leaked, child, grandchild }
    }
    const statusOf = async (token: string, id: number) =>
      (await suite.s.request('GET', `/v1/keys/${id}`, { token })).body.status as string | undefined
    const revokeAll = async (token: string, id: number) => {
      const r = await suite.s.request('POST', `/v1/keys/${id}/revoke`, { token, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
    }

    it('a key cannot delete a key it made that made keys of its own', async () => {
      const { s } = suite
      const { owner, leaked, child, grandchild } = await line('cutmid')
      const del = await s.request('DELETE', `/v1/keys/${child.id}`, { token: leaked.key })
      assert.equal(del.status, 409, `FINDING: the leaked key deleted the middle of its line: ${del.status} ${del.text}`)
      assert.match(del.text, /made other keys/)
      await revokeAll(owner.token, leaked.id)
      assert.equal(await statusOf(owner.token, grandchild.id), 'revoked')
    })

    it('a key cannot delete itself while keys it made exist', async () => {
      const { s } = suite
      const { owner, leaked, child } = await line('cutroot')
      const del = await s.request('DELETE', `/v1/keys/${leaked.id}`, { token: leaked.key })
      assert.equal(del.status, 409, `FINDING: the leaked key deleted itself: ${del.status} ${del.text}`)
      await revokeAll(owner.token, leaked.id)
      assert.equal(await statusOf(owner.token, child.id), 'revoked')
    })

    it('the cascade goes down through a key already revoked', async () => {
      const { s } = suite
      const { owner, leaked, child, grandchild } = await line('hide')
      const hidden = await s.request('POST', `/v1/keys/${child.id}/revoke`, { token: leaked.key, body: {} })
      assert.equal(hidden.status, 200, hidden.text)
      await revokeAll(owner.token, leaked.id)
      assert.equal(await statusOf(owner.token, grandchild.id), 'revoked', 'FINDING: a key under a revoked one survived')
    })

    it('a key made while its maker is being deleted does not outlive the line (20 races)', async () => {
      // A reviewer's find on the first version (PostgreSQL): the delete read "made none" while a create by the
      // key was inserting, then deleted it: 29 of 29 keys made so stayed live after the owner's revoke.
      const { s } = suite
      const { owner, leaked } = await line('racecut')
      const made: string[] = []
      for (let i = 0; i < 20; i++) {
        const k = await s.createKey(leaked.key, { name: `k${i}` })
        const create = (j: number) => s.request('POST', '/v1/keys', { token: k.key, body: { name: `g${i}-${j}` } })
        const later = new Promise((r) => setTimeout(r, 1))
        const [a, deleted, b] = await Promise.all([
          create(0),
          later.then(() => s.request('DELETE', `/v1/keys/${k.id}`, { token: leaked.key })),
          create(1),
        ])
        assert.ok([204, 409].includes(deleted.status), `delete: ${deleted.status} ${deleted.text}`)
        for (const c of [a, b]) if (c.status === 201) made.push(c.body.key as string)
      }
      await revokeAll(owner.token, leaked.id)
      for (const key of made) {
        const v = await s.request('POST', '/v1/keys/verify', { token: suite.admin, body: { key } })
        assert.equal(v.body.valid, false, `FINDING: a key made during the race still verifies: ${v.text}`)
      }
    })

    it('control: a key deletes a key it made that made none; the owner deletes any key', async () => {
      const { s } = suite
      const { owner, leaked, child, grandchild } = await line('control')
      assert.equal((await s.request('DELETE', `/v1/keys/${grandchild.id}`, { token: leaked.key })).status, 204)
      assert.equal((await s.request('DELETE', `/v1/keys/${child.id}`, { token: leaked.key })).status, 204)
      const more = await s.createKey(leaked.key, { name: 'more' })
      assert.equal((await s.request('DELETE', `/v1/keys/${leaked.id}`, { token: owner.token })).status, 204)
      assert.equal(await statusOf(owner.token, more.id), 'active', 'the owner chose to keep it')
    })
  })
}
