/**
 * A measurement, not a test: what `GET /v1/keys?status=` costs as deactivated and deleted users pile up.
 *
 *   cd packages/keyward && node --conditions=keyward-source --import tsx test/perf/status-filter.ts \
 *     [sqlite|postgres] [--devices] [--analyze]
 *
 * 20,000 keys (the admin's own, or with `--devices` one per device, each its own actor), then 0, 5,000 and
 * 50,000 deleted users (tombstones: deactivated, with a personal organization), written straight into the
 * store. Prints the median of 7 admin listings (limit 50) without a filter and with `status=active` and
 * `status=disabled`. `--analyze` runs PostgreSQL's ANALYZE first (as autovacuum soon would after a bulk
 * load); without it PostgreSQL plans with the statistics of empty tables. PostgreSQL needs
 * KEYWARD_TEST_DATABASE_URL.
 */
import { TestServer } from '../helpers.js'
import { exec as bulk, importKeys, spreadOverDevices } from './bulk-store.js'

const store = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite'
const s = await TestServer.start(store)
const admin = await s.adminToken()
const url = s.config.databaseUrl
const now = new Date().toISOString()

const exec = (statements: string[]) => bulk(store, url, statements)

async function addTombstones(from: number, to: number): Promise<void> {
  const statements: string[] = []
  for (let i = from; i < to; i++) {
    statements.push(
      `insert into actor (kind, created_at) values ('user', '${now}')`,
      `insert into "user" (actor_id, email, username, password_hash, role, created_at, deactivated_at, deleted_at,
         keys_ended_at) values ((select max(id) from actor), 'gone${i}@x', 'gone${i}', 'x', 'member', '${now}',
         '${now}', '${now}', '${now}')`,
      `insert into actor (kind, created_at) values ('organization', '${now}')`,
      `insert into organization (actor_id, handle, name, personal_user_id, created_at)
         values ((select max(id) from actor), 'gone${i}', 'gone', (select max(id) from "user"), '${now}')`,
    )
  }
  if (statements.length > 0) await exec(statements)
  if (store === 'postgres' && process.argv.includes('--analyze')) await exec(['analyze'])
}

async function median(path: string): Promise<string> {
  const ms: number[] = []
  let total = 0
  for (let i = 0; i < 7; i++) {
    const t = performance.now()
    const r = await s.request('GET', path, { token: admin })
    ms.push(performance.now() - t)
    total = Number(r.body.total)
  }
  ms.sort((a, b) => a - b)
  return `${ms[3]!.toFixed(1)} ms (total ${total})`
}

await importKeys(s, admin, 20_000)
if (process.argv.includes('--devices')) {
  const me = await s.kw.services.store.db.selectFrom('user').select('actor_id').executeTakeFirstOrThrow()
  await spreadOverDevices(s, admin, 20_000, me.actor_id)
}
let tombstones = 0
for (const n of [0, 5000, 50000]) {
  await addTombstones(tombstones, n)
  tombstones = n
  for (const filter of ['', '&status=active', '&status=disabled'])
    console.log(store, `${n} tombstones`, `limit=50${filter}`, await median(`/v1/keys?limit=50${filter}`))
}
await s.close()
