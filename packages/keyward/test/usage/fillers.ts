import { hashSecret } from '../../src/core/key-format.js'
import type { TestServer } from '../helpers.js'

/** Inserts `n` keys of the owner of one real key (by rows, 1,000 per statement); returns their ids. */
export async function fillerKeys(s: TestServer, n: number): Promise<number[]> {
  const { id } = await s.createKey(await s.adminToken())
  const db = s.kw.services.store.db
  const owner = await db.selectFrom('api_key').select('actor_id').where('id', '=', id).executeTakeFirstOrThrow()
  const now = new Date().toISOString()
  const ids: number[] = []
  for (let done = 0; done < n; done += 1000) {
    const rows = Array.from({ length: Math.min(1000, n - done) }, (_, i) => ({
      actor_id: owner.actor_id,
      kind: 'user' as const,
      hash: hashSecret(`filler-${done + i}`),
      key_prefix: 'kw_fill',
      scopes: '[]',
      meta: '{}',
      created_by_actor_id: owner.actor_id,
      created_at: now,
      updated_at: now,
    }))
    ids.push(...(await db.insertInto('api_key').values(rows).returning('id').execute()).map((r) => r.id))
  }
  return ids
}

/** The sum of one day's counters of one outcome. */
export async function countedOn(s: TestServer, day: string, code: string): Promise<number> {
  const r = await s.kw.services.store.db
    .selectFrom('key_usage')
    .select((eb) => eb.fn.sum<number>('count').as('n'))
    .where('day', '=', day)
    .where('code', '=', code)
    .executeTakeFirstOrThrow()
  return Number(r.n ?? 0)
}

/** How many keys have `last_used_at` equal to `ms`. */
export async function touchedAt(s: TestServer, ms: number): Promise<number> {
  const r = await s.kw.services.store.db
    .selectFrom('api_key')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('last_used_at', '=', new Date(ms).toISOString())
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

/** The `key_usage` rows of a key, by day and code (`count` is a `bigint` on PostgreSQL: read as a number). */
export async function usageRows(s: TestServer, keyId: number) {
  const rows = await s.kw.services.store.db
    .selectFrom('key_usage')
    .select(['day', 'code', 'count'])
    .where('key_id', '=', keyId)
    .orderBy('day')
    .orderBy('code')
    .execute()
  return rows.map((r) => ({ ...r, count: Number(r.count) }))
}
