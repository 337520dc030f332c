import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AuditRepository } from '../../src/store/audit-repository.js'
import { auditActionRename } from '../../src/store/migrations/0029_audit_action_rename.js'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Audit entries name a key only to a reader who may see it, and the action filter takes every
 * action the store holds. Two ways around the invariants:
 * - a `minted` revoke's cascade writes `reason: "made from key <root id>, revoked with it"` on every
 *   descendant: `root_key_id` reads null to the descendant's owner, while the reason spells the id
 *   (and `GET /v1/keys/:id`'s `revoked_reason` does too, beside a null `created_by_key_id`);
 * - rows written as `key.import_refused` (the name before `key.secret_refused`, commit a9804ef) stayed
 *   in `audit_event`, and `?action=key.import_refused` is now a 400: migration 0029 renames them.
 */
for (const store of STORES) {
  describe(`attack: audit entries name keys their reader cannot see (${store})`, () => {
    const suite = serverForSuite(store)

    it("a minted cascade's reason spells the root key id the member may not see", async () => {
      const { s, admin } = suite
      const alice = await s.member('alice-cascade', admin)
      const root = await s.createKey(admin) // the admin's key: alice may not see it
      const made = await s.createKey(root.key, { owner: { kind: 'user', id: alice.id } })
      const r = await s.request('POST', `/v1/keys/${root.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      assert.equal(r.body.minted_revoked, 1)
      assert.equal((await s.request('GET', `/v1/keys/${root.id}`, { token: alice.token })).status, 404)

      const log = await s.request('GET', `/v1/audit?action=key.revoke&target_id=${made.id}`, { token: alice.token })
      assert.equal(log.status, 200, log.text)
      const entry = log.body.events[0]
      assert.ok(entry, 'alice reads the revocation of her key')
      assert.equal(entry.details.root_key_id, null, 'root_key_id is hidden')
      assert.equal(entry.details.created_by_key_id, null, 'created_by_key_id is hidden')
      const named = new RegExp(`key ${root.id}\\b`)
      assert.doesNotMatch(
        JSON.stringify(entry.details),
        named,
        `BROKEN: the audit entry's details name the hidden root key ${root.id}: ${JSON.stringify(entry.details)}`,
      )
    })

    it("GET /v1/keys/:id's revoked_reason spells it too, beside a null created_by_key_id", async () => {
      const { s, admin } = suite
      const bob = await s.member('bob-cascade', admin)
      const root = await s.createKey(admin)
      const made = await s.createKey(root.key, { owner: { kind: 'user', id: bob.id } })
      const r = await s.request('POST', `/v1/keys/${root.id}/revoke`, { token: admin, body: { minted: true } })
      assert.equal(r.status, 200, r.text)
      const named = new RegExp(`key ${root.id}\\b`)
      const mine = await s.request('GET', `/v1/keys/${made.id}`, { token: bob.token })
      assert.equal(mine.body.created_by_key_id, null)
      assert.doesNotMatch(
        String(mine.body.revoked_reason),
        named,
        `BROKEN: GET /v1/keys/:id revoked_reason names the hidden root key: ${mine.body.revoked_reason}`,
      )
    })

    it('every action the store holds can be filtered on: key.import_refused (written before the rename)', async () => {
      const { s, admin } = suite
      // What a server at 6006144..a9804ef^ wrote for a refused import; migration 0029 renames it.
      const { db, dialect } = s.kw.services.store
      const repo = new AuditRepository(db)
      await repo.append({
        at: new Date().toISOString(),
        actorId: null,
        action: 'key.import_refused',
        targetType: 'api_key',
        targetId: null,
        ownerActorId: null,
        ip: null,
        details: { item: 'keys[0]' },
      })
      await auditActionRename(dialect).up(db)
      const all = await s.request('GET', '/v1/audit', { token: admin })
      const listed = all.body.events.map((e: { action: string }) => e.action)
      assert.ok(!listed.includes('key.import_refused'), `BROKEN: a row under the old name is listed: ${listed}`)
      const r = await s.request('GET', '/v1/audit?action=key.secret_refused', { token: admin })
      assert.equal(r.status, 200, r.text)
      assert.deepEqual(
        r.body.events.map((e: { details: unknown }) => e.details),
        [{ item: 'keys[0]' }],
        'the renamed row is found under the name the log records now',
      )
    })
  })
}
