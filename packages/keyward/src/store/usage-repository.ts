import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Dialect } from './database.js'
import type { Database } from './schema.js'

/** One batched counter: `count` verifications of a key on a UTC day with one outcome. */
export interface UsageCount {
  keyId: number
  /** `YYYY-MM-DD` (UTC). */
  day: string
  /** `VALID` or a refusal code. */
  code: string
  count: number
}

/**
 * What makes a usage chunk count once on PostgreSQL, where its reply can be lost after it
 * committed (migration 0018): the chunk's `token`, which its statement inserts into `usage_claim`
 * and without which it adds nothing, and the writer's previous token (`settled`: known committed),
 * which the same statement deletes. `settled` null means the writer's first chunk: that statement
 * deletes the claims older than `CLAIMS_KEPT_MS` instead (nodes that died holding one).
 */
export interface UsageClaim {
  token: string
  settled: string | null
}

/** How long a claim outlives its node; a chunk retried later than this could count twice. */
export const CLAIMS_KEPT_MS = 86_400_000

/**
 * A PostgreSQL time as `written_at` spells it (`toISOString`'s form), on the database's clock: a
 * claim's age is then judged by one clock, not by the writer's and the sweeper's, which may differ.
 */
const dbTime = (at: RawBuilder<unknown>) =>
  sql<string>`to_char((${at}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** Storage of per-day verification counters (`key_usage`); history is read through `readDb` (the budgeted read pool). */
export class UsageRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly readDb: Kysely<Database> = db,
  ) {}

  /**
   * Adds counts in one statement: one upsert row per (key, day, outcome), which must be
   * unique within `counts`. A key deleted since it was verified is skipped (the EXISTS
   * guard) rather than failing the batch on the foreign key; its rows went with it.
   * Callers keep batches small (`chunked-writes.ts`): on SQLite the statement blocks the event loop.
   * On a SQLite file the flush runs this SQL in `usage-writer-worker.js` (plain JavaScript, no Kysely): change both.
   * `claim` is used on PostgreSQL only: a SQLite statement on this connection commits or throws,
   * so its caller always knows which.
   */
  async add(counts: readonly UsageCount[], claim: UsageClaim): Promise<void> {
    if (counts.length === 0) return
    if (this.dialect === 'postgres') return this.addFromArrays(counts, claim)
    const values = sql.join(
      counts.map((c) => sql`(cast(${c.keyId} as integer), ${c.day}, ${c.code}, cast(${c.count} as integer))`),
    )
    // VALUES columns are named column1, column2… in both SQLite and PostgreSQL.
    await sql`insert into key_usage (key_id, day, code, count)
      select v.column1, v.column2, v.column3, v.column4 from (values ${values}) as v
      where exists (select 1 from api_key where api_key.id = v.column1)
      on conflict (key_id, day, code) do update set count = key_usage.count + excluded.count`.execute(this.db)
  }

  /**
   * `add` on PostgreSQL: one array per column, so the statement's text and its four parameters
   * are the same whatever the batch size: compiling and encoding a chunk of 500 rows on the event
   * loop took 0.48 ms as a VALUES list (2,000 parameters) and 0.18 ms as arrays (medians of 200,
   * 2026-11-30). The flush's longest hold (`flush-blocking.test.ts`) stayed 2.2–4 ms: in a CPU
   * profile of that test, most long gaps were garbage collection, not the statements.
   */
  private async addFromArrays(counts: readonly UsageCount[], claim: UsageClaim): Promise<void> {
    const col = <T>(f: (c: UsageCount) => T) => counts.map(f)
    // One statement, so one transaction: the claim commits exactly when the counts do. A token
    // already claimed (the retry of a chunk that committed) inserts nothing, so `claimed` is empty;
    // the retry of one still committing waits on the token's unique index for its outcome.
    await sql`with settled as (${this.settle(claim)}),
      claimed as (insert into usage_claim (token, written_at) values (${claim.token}, ${dbTime(sql`now()`)})
        on conflict (token) do nothing returning 1)
      insert into key_usage (key_id, day, code, count)
      select v.key_id, v.day, v.code, v.count
      from unnest(${col((c) => c.keyId)}::integer[], ${col((c) => c.day)}::text[], ${col((c) => c.code)}::text[],
        ${col((c) => c.count)}::bigint[]) as v (key_id, day, code, count)
      where exists (select 1 from claimed) and exists (select 1 from api_key where api_key.id = v.key_id)
      on conflict (key_id, day, code) do update set count = key_usage.count + excluded.count`.execute(this.db)
  }

  /** Deletes a stopping writer's claims (PostgreSQL; `UsageClaim`), which would otherwise wait a day for a sweep. */
  async releaseClaims(tokens: readonly string[]): Promise<void> {
    if (this.dialect !== 'postgres' || tokens.length === 0) return
    await this.db.deleteFrom('usage_claim').where('token', 'in', tokens).execute()
  }

  /** The claims a chunk's statement deletes: its writer's previous one, or on its first chunk the stale ones. */
  private settle(claim: UsageClaim) {
    if (claim.settled !== null) return sql`delete from usage_claim where token = ${claim.settled}`
    return sql`delete from usage_claim where written_at < ${dbTime(sql`now() - ${CLAIMS_KEPT_MS} * interval '1 millisecond'`)}`
  }

  /** Counts of one key from `fromDay` (inclusive) on, per day and outcome. */
  async daily(keyId: number, fromDay: string): Promise<UsageCount[]> {
    const rows = await this.readDb
      .selectFrom('key_usage')
      .select(['day', 'code', 'count'])
      .where('key_id', '=', keyId)
      .where('day', '>=', fromDay)
      .execute()
    return rows.map((r) => ({ keyId, day: r.day, code: r.code, count: Number(r.count) }))
  }
}
