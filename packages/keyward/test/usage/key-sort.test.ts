import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { manualClock } from '../../src/core/clock.js'
import { STORES, TestServer } from '../helpers.js'

type Field = 'created_at' | 'name' | 'last_used_at' | 'expires_at'
type Order = 'asc' | 'desc'
const FIELDS: Field[] = ['created_at', 'name', 'last_used_at', 'expires_at']
const ORDERS: Order[] = ['asc', 'desc']
interface Listed {
  id: number
  name: string | null
  created_at: string
  last_used_at: string | null
  expires_at: string | null
}

/** Names compare with ASCII letters folded to lower case (both stores alike); other characters by code point. */
const asciiFold = (v: string | null) => v && v.replace(/[A-Z]/g, (c) => c.toLowerCase())

/** What the API promises: values in `order`, keys without a value last, ties by id in the same direction. */
function inOrder(a: Listed, b: Listed, field: Field, order: Order): boolean {
  const x = field === 'name' ? asciiFold(a.name) : a[field]
  const y = field === 'name' ? asciiFold(b.name) : b[field]
  const sign = order === 'asc' ? 1 : -1
  if (x === null && y === null) return sign * (a.id - b.id) < 0
  if (x === null) return false
  if (y === null) return true
  if (x !== y) return sign * (x < y ? -1 : 1) < 0
  return sign * (a.id - b.id) < 0
}

/** A key's spec: minutes after the base time for each timestamp; names from a small set so they tie. */
interface Spec {
  name: number | null
  created: number
  used: number | null
  expires: number | null
}
// Mixed case: SQLite's binary order put 'Bravo' and 'ALPHA' before 'alpha' and PostgreSQL's locale did not.
const NAMES = ['alpha', 'Bravo', 'charlie', 'ALPHA', 'Émile', 'émile']
const BASE = Date.parse('2026-04-01T00:00:00.000Z')
const at = (min: number) => new Date(BASE + min * 60_000)

for (const store of STORES) {
  describe(`sorting keys (${store})`, () => {
    const clock = manualClock(at(0))
    let s: TestServer
    let admin: string
    let n = 0
    before(async () => {
      s = await TestServer.start(store, { clock, env: { KEYWARD_USAGE_FLUSH_MS: '60000' } })
      admin = await s.adminToken()
    })
    after(() => s.close())

    /** A member holding keys made to `specs` (revoked, so names may repeat and ties happen). */
    async function memberWith(specs: Spec[]): Promise<{ token: string; ids: number[] }> {
      const m = await s.member(`sorter${++n}`, admin)
      const ids: number[] = []
      for (const spec of specs) {
        clock.set(at(spec.created))
        const k = await s.createKey(m.token, {
          name: NAMES[spec.name ?? 0],
          ...(spec.expires !== null && { expires_at: at(1000 + spec.expires).toISOString() }),
        })
        // Unnamed keys exist (balena device and provisioning keys); the native API always names them.
        if (spec.name === null)
          await s.kw.services.store.db.updateTable('api_key').set({ name: null }).where('id', '=', k.id).execute()
        if (spec.used !== null) {
          clock.set(at(100 + spec.used))
          assert.equal((await s.verify(m.token, k.key)).code, 'VALID')
        }
        await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: m.token })
        ids.push(k.id)
      }
      await s.kw.services.usage.flush()
      return { token: m.token, ids }
    }

    async function listAll(token: string, query: string, limit: number): Promise<Listed[]> {
      const out: Listed[] = []
      let cursor: string | null = null
      for (let pages = 0; pages < 1000; pages++) {
        const r = await s.request('GET', `/v1/keys?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`, {
          token,
        })
        assert.equal(r.status, 200, r.text)
        out.push(...(r.body.api_keys as Listed[]))
        cursor = r.body.next_cursor
        if (!cursor) return out
      }
      throw new Error('pagination did not end')
    }

    function assertSorted(list: Listed[], ids: number[], field: Field, order: Order): void {
      assert.deepEqual(
        list.map((k) => k.id).sort((a, b) => a - b),
        [...ids].sort((a, b) => a - b),
        'every key exactly once',
      )
      for (let i = 1; i < list.length; i++) {
        assert.ok(
          inOrder(list[i - 1]!, list[i]!, field, order),
          `${field} ${order}: ${JSON.stringify(list[i - 1])} before ${JSON.stringify(list[i])}`,
        )
      }
    }

    it('sorts by every field in both orders, with ties and NULLs, across pages of every size', async () => {
      const specs: Spec[] = [
        { name: 0, created: 0, used: null, expires: null },
        { name: 1, created: 0, used: 5, expires: 3 },
        { name: 0, created: 1, used: 5, expires: 3 },
        { name: null, created: 1, used: null, expires: 1 },
        { name: 2, created: 2, used: 1, expires: null },
        { name: null, created: 0, used: 1, expires: null },
        { name: 1, created: 3, used: null, expires: 3 },
        { name: 3, created: 4, used: null, expires: null },
        { name: 4, created: 4, used: 2, expires: 2 },
        { name: 5, created: 5, used: null, expires: null },
      ]
      const m = await memberWith(specs)
      for (const field of FIELDS) {
        for (const order of ORDERS) {
          const whole = await listAll(m.token, `&sort=${field}&order=${order}`, 500)
          assertSorted(whole, m.ids, field, order)
          for (const limit of [1, 2, 3]) {
            assert.deepEqual(
              (await listAll(m.token, `&sort=${field}&order=${order}`, limit)).map((k) => k.id),
              whole.map((k) => k.id),
              `${field} ${order} limit ${limit}`,
            )
          }
        }
      }
    })

    it('keeps newest first as the default, equal to sort=created_at&order=desc', async () => {
      const m = await memberWith([
        { name: 0, created: 0, used: null, expires: null },
        { name: 1, created: 0, used: null, expires: null },
        { name: 2, created: 2, used: null, expires: null },
      ])
      const plain = await listAll(m.token, '', 2)
      assert.deepEqual(
        plain.map((k) => k.id),
        [m.ids[2], m.ids[1], m.ids[0]],
      )
      assert.deepEqual(
        (await listAll(m.token, '&sort=created_at&order=desc', 2)).map((k) => k.id),
        plain.map((k) => k.id),
      )
    })

    it('refuses a cursor of another sort or order, a forged cursor, and an unknown sort, with 400', async () => {
      const m = await memberWith([
        { name: 0, created: 0, used: null, expires: null },
        { name: 1, created: 1, used: null, expires: null },
      ])
      const first = await s.request('GET', '/v1/keys?limit=1&sort=name&order=asc', { token: m.token })
      const cursor = first.body.next_cursor as string
      assert.ok(cursor)
      for (const q of ['sort=name&order=desc', 'sort=created_at&order=asc', '']) {
        const r = await s.request('GET', `/v1/keys?limit=1&cursor=${cursor}${q && '&' + q}`, { token: m.token })
        assert.equal(r.status, 400, q)
        assert.equal(r.body.error.code, 'validation_failed')
        assert.match(r.body.error.message, /cursor/)
      }
      const forged = Buffer.from(JSON.stringify(['name', 'asc', 1, 'x'])).toString('base64url')
      for (const c of [forged, 'not-a-cursor', Buffer.from('k:12').toString('base64url')]) {
        assert.equal(
          (await s.request('GET', `/v1/keys?sort=name&order=asc&cursor=${c}`, { token: m.token })).status,
          400,
          c,
        )
      }
      assert.equal((await s.request('GET', '/v1/keys?sort=hash', { token: m.token })).status, 400)
      assert.equal((await s.request('GET', '/v1/keys?order=up', { token: m.token })).status, 400)
    })

    it('visits every key exactly once, in order, for any keys, sort and page size (property)', async () => {
      const spec = fc.record({
        name: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
        created: fc.integer({ min: 0, max: 3 }),
        used: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
        expires: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
      })
      await fc.assert(
        fc.asyncProperty(
          fc.array(spec, { minLength: 0, maxLength: 9 }),
          fc.constantFrom(...FIELDS),
          fc.constantFrom(...ORDERS),
          fc.integer({ min: 1, max: 4 }),
          async (specs, field, order, limit) => {
            const m = await memberWith(specs)
            assertSorted(await listAll(m.token, `&sort=${field}&order=${order}`, limit), m.ids, field, order)
          },
        ),
        { numRuns: 12 },
      )
    })
  })
}
