import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Keys created in an identity while it is deleted: each create is either made (before the delete)
 * or refused with a 4xx — never a 500 from the database's foreign key (a fuzzer's find: 4 to 8 of
 * 20 answered 500 on PostgreSQL) — and no key is left pointing at an identity that is gone. A
 * deadlock among the deletes is a 503 to retry (it was a 500 too).
 */
for (const store of STORES) {
  describe(`creating keys in an identity while it is deleted (${store})`, () => {
    const t = serverForSuite(store)

    it('answers 201, 204, 404, 409 or a 503 to retry, never 500, over 3 rounds of 10 creates and 10 deletes', async () => {
      for (let round = 0; round < 3; round++) {
        const ident = await t.s.request('POST', '/v1/identities', {
          token: t.admin,
          body: { external_id: `race-${round}` },
        })
        assert.equal(ident.status, 201, ident.text)
        const id = ident.body.id as number
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            i % 2
              ? t.s.request('POST', '/v1/keys', { token: t.admin, body: { name: `r${round}-${i}`, identity_id: id } })
              : t.s.request('DELETE', `/v1/identities/${id}`, { token: t.admin }),
          ),
        )
        const statuses = answers.map((r) => r.status)
        assert.ok(
          statuses.every((s) => [201, 204, 404, 409, 503].includes(s)),
          `${statuses.join()}: ${answers.find((r) => r.status >= 500 && r.status !== 503)?.text}`,
        )
        // Concurrent deletes of one identity can deadlock on PostgreSQL: the loser is told to retry
        // (503 with Retry-After, 40P01), never a 500.
        for (const r of answers.filter((a) => a.status === 503)) {
          assert.equal(r.body.error.code, 'unavailable')
          assert.ok(r.headers['retry-after'], 'Retry-After is set')
        }
        const keys = await t.s.request('GET', `/v1/keys?q=r${round}-&limit=100`, { token: t.admin })
        assert.equal(
          keys.body.api_keys.filter((k: { identity_id: number | null }) => k.identity_id === id).length,
          0,
          'no key points at the deleted identity',
        )
      }
    })
  })
}
