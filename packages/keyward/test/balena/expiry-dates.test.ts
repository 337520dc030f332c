import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { serverForSuite } from '../helpers.js'

/**
 * balena's expiry dates are ISO 8601 only: V8's lenient `Date.parse` read "hello 5" as 2001-05-01
 * and "2024-02-30" as March 1st, so a typo created a key already expired (a fuzzer's find).
 */
describe('balena expiry dates', () => {
  const t = serverForSuite('sqlite')
  let n = 0
  const create = (expiryDate: unknown) =>
    t.s.request('POST', '/api-key/user/full', { token: t.admin, body: { name: `dated-${++n}`, expiryDate } })

  it('refuses what is not an ISO 8601 date or a day the calendar has, on create and update', async () => {
    for (const bad of [
      'hello 5',
      '1/2/3',
      '12',
      '2024-02-30',
      '2031-13-01',
      '2031-01-01T24:00:00Z',
      '2031-01-01  10:00',
      '2031-01-01T10:00+25:00',
    ]) {
      const r = await create(bad)
      assert.equal(r.status, 400, `${bad}: ${r.status} ${r.text}`)
      assert.match(r.text, /expiryDate is not an ISO 8601 date/)
    }
    const id = (await t.s.createKey(t.admin, { name: 'kept' })).id
    const p = await t.s.request('PATCH', `/v7/api_key(${id})`, { token: t.admin, body: { expiry_date: 'hello 7' } })
    assert.equal(p.status, 400, p.text)
    assert.equal((await t.s.request('GET', `/v1/keys/${id}`, { token: t.admin })).body.expires_at, null)
  })

  it('reads a date as UTC midnight, a date-time without offset as UTC, and keeps an offset', async () => {
    const expiries: Record<string, string> = {
      '2031-02-28': '2031-02-28T00:00:00.000Z',
      '2032-02-29T10:20': '2032-02-29T10:20:00.000Z',
      '2031-06-01T10:20:30.5': '2031-06-01T10:20:30.500Z',
      '2031-06-01T10:20:30+02:00': '2031-06-01T08:20:30.000Z',
      '2031-06-01 10:20:30': '2031-06-01T10:20:30.000Z',
      '2031-06-01t10:20:30z': '2031-06-01T10:20:30.000Z',
      '2031-06-01T10:20:30+0100': '2031-06-01T09:20:30.000Z',
      '2031-06-01T10:20:30-01': '2031-06-01T11:20:30.000Z',
    }
    for (const [sent, stored] of Object.entries(expiries)) {
      assert.equal((await create(sent)).status, 200, sent)
      const keys = await t.s.request('GET', '/v1/keys?sort=created_at&order=desc&limit=1', { token: t.admin })
      assert.equal(keys.body.api_keys[0].expires_at, stored, sent)
    }
  })
})
