import { type Kysely, type Migration, sql } from 'kysely'
import type { Dialect } from './database.js'
import { NAME_ORDER_COLUMNS } from './name-order.js'

/**
 * An index a migration adds to a table that grows without bound (keys, the audit log, webhook
 * deliveries). On PostgreSQL a plain `CREATE INDEX` holds a SHARE lock on its table until the
 * migrations commit, so every write to it waited, on every node, for as long as the build ran:
 * over 1,000,000 audit entries an upgrade held every create, revoke and sign-in about 3 s
 * (test/store/online-indexes). So on PostgreSQL a migration only names such an index, and
 * `buildOnlineIndexes` builds it after the migrations with `CREATE INDEX CONCURRENTLY`, which
 * lets writes go on. On SQLite (one node, which migrates before it serves) the migration builds it.
 *
 * Invariants: no migration relies on an online index existing (all are built after the last
 * migration); none is unique (a concurrent build may fail on duplicates and leave none behind, and
 * uniqueness the code relies on must hold from the migration's commit). Migrations before 0022 build
 * their indexes in their transaction, as they always did: every deployment has run them.
 */
export interface OnlineIndex {
  table: string
  /** The parenthesised column list, and PostgreSQL's where it differs (an operator class). */
  columns: string
  postgresColumns?: string
}

/** Every online index, by name, in the order they are built. */
export const ONLINE_INDEXES = {
  // 0022: a webhook's deliveries newest first.
  webhook_delivery_listing: { table: 'webhook_delivery', columns: '(webhook_id, id)' },
  // 0023: a delivery's event.
  webhook_delivery_event: { table: 'webhook_delivery', columns: '(event_id)' },
  // 0028: `GET /v1/keys?prefix=`; `like 'x%'` needs text_pattern_ops under a collation other than C.
  api_key_prefix_idx: { table: 'api_key', columns: '(key_prefix)', postgresColumns: '(key_prefix text_pattern_ops)' },
  // 0030: the audit's target and action filters.
  audit_target_idx: { table: 'audit_event', columns: '(target_id, target_type, id)' },
  audit_action_idx: { table: 'audit_event', columns: '(action, id)' },
  // 0031: the keys whose secrets a key made by rolling them (`KeyLineageRepository`).
  api_key_secret_maker_idx: { table: 'api_key', columns: '(secret_made_by_key_id)' },
  api_key_previous_secret_maker_idx: { table: 'api_key', columns: '(previous_secret_made_by_key_id)' },
  // 0032: the logins a key set (`UserLifecycleRepository`).
  user_password_set_by_key_idx: { table: 'user', columns: '(password_set_by_key_id)' },
  // 0040: `GET /v1/keys?sort=name`, in the order both stores share (`nameOrder`).
  api_key_name_order_idx: {
    table: 'api_key',
    columns: NAME_ORDER_COLUMNS.sqlite,
    postgresColumns: NAME_ORDER_COLUMNS.postgres,
  },
} satisfies Record<string, OnlineIndex>

export type OnlineIndexName = keyof typeof ONLINE_INDEXES

/** In a migration: builds the index on SQLite; on PostgreSQL `buildOnlineIndexes` builds it after. */
export async function createOnlineIndex(db: Kysely<any>, dialect: Dialect, name: OnlineIndexName): Promise<void> {
  const ix: OnlineIndex = ONLINE_INDEXES[name]
  if (dialect === 'sqlite')
    await sql`create index ${sql.id(name)} on ${sql.id(ix.table)} ${sql.raw(ix.columns)}`.execute(db)
}

/** A migration that only adds online indexes; its `down` drops them in reverse. */
export function onlineIndexMigration(dialect: Dialect, ...names: OnlineIndexName[]): Migration {
  return {
    async up(db: Kysely<any>) {
      for (const name of names) await createOnlineIndex(db, dialect, name)
    },
    async down(db: Kysely<any>) {
      for (const name of [...names].reverse()) await dropOnlineIndex(db, name)
    },
  }
}

/** In a migration's `down`: drops it on either store (on PostgreSQL it may never have been built). */
export async function dropOnlineIndex(db: Kysely<any>, name: OnlineIndexName): Promise<void> {
  await sql`drop index if exists ${sql.id(name)}`.execute(db)
}

/** Below this many rows a table is indexed with a plain build: its SHARE lock lasts milliseconds. */
const SMALL_TABLE_ROWS = 10_000

/**
 * PostgreSQL, after the migrations, on a connection outside any transaction: builds each online
 * index that is missing, and again each that a stopped build left invalid (a concurrent build that
 * is cancelled or whose node dies leaves the index in the catalog, unused and still maintained).
 * A concurrent build waits for the transactions that started before it, on every node; it blocks
 * none of them.
 */
export async function buildOnlineIndexes(conn: Kysely<any>, waits: LockWaits): Promise<string[]> {
  const built: string[] = []
  const state = await indexStates(conn)
  for (const [name, ix] of Object.entries(ONLINE_INDEXES) as [OnlineIndexName, OnlineIndex][]) {
    if (state.get(name) === true) continue
    await waits.concurrent()
    if (state.get(name) === false) await sql`drop index concurrently if exists ${sql.id(name)}`.execute(conn)
    const small = await isSmall(conn, ix.table)
    await (small ? waits.plain() : waits.concurrent())
    const columns = sql.raw(ix.postgresColumns ?? ix.columns)
    await sql`create index ${sql.raw(small ? '' : 'concurrently ')}${sql.id(name)} on ${sql.id(ix.table)} ${columns}`.execute(
      conn,
    )
    built.push(name)
  }
  return built
}

/**
 * Sets the connection's `lock_timeout` for the next build: a plain one holds writes to its table while it waits
 * for its lock (the migrations' short wait, retried), a concurrent one holds none (the long wait).
 */
export interface LockWaits {
  plain(): Promise<unknown>
  concurrent(): Promise<unknown>
}

/** Each online index that exists in the current schema: true when valid. */
async function indexStates(conn: Kysely<any>): Promise<Map<string, boolean>> {
  const { rows } = await sql<{ name: string; valid: boolean }>`
    select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relnamespace = current_schema()::regnamespace and c.relname in (${sql.join(Object.keys(ONLINE_INDEXES))})`.execute(
    conn,
  )
  return new Map(rows.map((r) => [r.name, r.valid]))
}

async function isSmall(conn: Kysely<any>, table: string): Promise<boolean> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from (select 1 from ${sql.id(table)} limit ${SMALL_TABLE_ROWS}) t`.execute(conn)
  return Number(rows[0]!.n) < SMALL_TABLE_ROWS
}
