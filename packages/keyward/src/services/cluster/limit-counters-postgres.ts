import type pg from 'pg'
import { RATE_LIMIT_TABLE } from '../../store/migrations/0004_rate_limit.js'
import { type LimitCheck, type LimitCounters, type LimitOutcome, current, decide } from './limit-counters.js'

/**
 * Named-limit counters shared by every node through PostgreSQL, in the table of migration
 * 0004 (`key`, `points`, `expire` in ms; rows under the `kwl:` prefix). One limit is one
 * conditional upsert; several are one transaction that locks their rows in name order (so
 * two nodes never deadlock), decides, and writes all or nothing (no partial consumption).
 */
export class PostgresLimitCounters implements LimitCounters {
  constructor(private readonly pool: pg.Pool) {}

  consumeAll(checks: readonly LimitCheck[]): Promise<LimitOutcome> {
    return checks.length === 1 ? this.consumeOne(checks[0]!) : this.consumeMany(checks)
  }

  /** The common case (a key's `default` limit): one statement, which charges only when the cost fits. */
  private async consumeOne(c: LimitCheck): Promise<LimitOutcome> {
    const now = Date.now()
    const key = `kwl:${c.counter}`
    const fresh = current(undefined, c.windowS, now)
    if (c.cost <= c.limit) {
      const r = await this.pool.query<{ points: number; expire: string }>(
        `insert into ${RATE_LIMIT_TABLE} as t (key, points, expire) values ($1, $2, $3)
         on conflict (key) do update set
           points = case when t.expire <= $4 then excluded.points else t.points + excluded.points end,
           expire = case when t.expire <= $4 then excluded.expire else t.expire end
         where t.expire <= $4 or t.points + excluded.points <= $5
         returning points, expire`,
        [key, c.cost, fresh.resetAt, now, c.limit],
      )
      const row = r.rows[0]
      if (row)
        return { allowed: true, states: decide([c], [{ used: row.points - c.cost, resetAt: +row.expire }]).states }
    }
    const [w] = await this.read(this.pool, [key], [c], now)
    return { allowed: false, states: decide([c], [w!]).states }
  }

  private async consumeMany(checks: readonly LimitCheck[]): Promise<LimitOutcome> {
    const order = checks.map((_, i) => i).sort((a, b) => (checks[a]!.counter < checks[b]!.counter ? -1 : 1))
    const sorted = order.map((i) => checks[i]!)
    const keys = sorted.map((c) => `kwl:${c.counter}`)
    const client = await this.pool.connect()
    try {
      await client.query('begin')
      const now = Date.now()
      // Rows must exist to be locked; a new one starts expired, so `current` opens its window.
      await client.query(
        `insert into ${RATE_LIMIT_TABLE} (key, points, expire)
         select k, 0, 0 from unnest($1::text[]) with ordinality as u(k, o) order by o on conflict (key) do nothing`,
        [keys],
      )
      const windows = await this.read(client, keys, sorted, now, ' for update')
      const r = decide(sorted, windows)
      if (r.allowed)
        await client.query(
          // An upsert: a row the expired-row sweeper removed meanwhile is written back, not lost.
          `insert into ${RATE_LIMIT_TABLE} (key, points, expire)
           select * from unnest($1::text[], $2::int[], $3::bigint[])
           on conflict (key) do update set points = excluded.points, expire = excluded.expire`,
          [keys, r.next.map((w) => w.used), r.next.map((w) => w.resetAt)],
        )
      await client.query('commit')
      const states = new Array<LimitOutcome['states'][number]>(checks.length)
      order.forEach((orig, i) => (states[orig] = r.states[i]!))
      return { allowed: r.allowed, states }
    } catch (e) {
      await client.query('rollback').catch(() => {})
      throw e
    } finally {
      client.release()
    }
  }

  /** The windows of `keys` as they stand at `now` (missing or expired: a fresh one). */
  private async read(
    db: Pick<pg.Pool, 'query'>,
    keys: string[],
    checks: readonly LimitCheck[],
    now: number,
    lock = '',
  ) {
    const r = await db.query<{ key: string; points: number; expire: string }>(
      `select key, points, expire from ${RATE_LIMIT_TABLE} where key = any($1::text[]) order by key${lock}`,
      [keys],
    )
    const byKey = new Map(r.rows.map((row) => [row.key, { used: row.points, resetAt: +row.expire }]))
    return checks.map((c, i) => current(byKey.get(keys[i]!), c.windowS, now))
  }
}
