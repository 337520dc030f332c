/**
 * A measurement, not a test: what announcing a (de)activation costs per chunk (`announceKeysOf`,
 * `user-lifecycle-repository.ts`), the loop held by each chunk's transaction on SQLite.
 *
 *   cd packages/keyward && node --conditions=keyward-source --import tsx test/perf/announce-chunks.ts \
 *     [sqlite|postgres] [--devices]
 *
 * 20,000 keys of the first admin (their own, or with `--devices` one per device of an application
 * in their personal organization, each its own actor) among 100,000 keys of another user, written
 * straight into the store; then the admin's announcement is owed from the first key on and run
 * chunk by chunk. Prints the chunks' count, median, p90 and max in ms, and the total.
 */
import { TestServer } from '../helpers.js'
import { exec as bulk, importKeys, spreadOverDevices } from './bulk-store.js'
import { UserLifecycleRepository } from '../../src/store/user-lifecycle-repository.js'

const store = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite'
const s = await TestServer.start(store)
const admin = await s.adminToken()
const other = await s.member('bystander', admin)
const url = s.config.databaseUrl

const exec = (statements: string[]) => bulk(store, url, statements)

await importKeys(s, admin, 20_000, 'a')
await importKeys(s, other.token, 100_000, 'o')
const db = s.kw.services.store.db
const me = await db.selectFrom('user').select(['id', 'actor_id']).where('role', '=', 'admin').executeTakeFirstOrThrow()
if (process.argv.includes('--devices')) await spreadOverDevices(s, admin, 20_000, me.actor_id)
if (store === 'postgres' && process.argv.includes('--analyze')) await exec(['analyze'])
await db.updateTable('user').set({ keys_announced_through: 0 }).where('id', '=', me.id).execute()
const repo = new UserLifecycleRepository(db, s.kw.services.store.dialect)
const ms: number[] = []
let keys = 0
for (;;) {
  const t = performance.now()
  const n = await repo.announceKeysOf(me.id, new Date())
  ms.push(performance.now() - t)
  keys += n
  if (n === 0) break
}
const sorted = [...ms].sort((a, b) => a - b)
const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1)
const total = ms.reduce((a, b) => a + b, 0)
console.log(
  store,
  process.argv.includes('--devices') ? 'devices' : 'own keys',
  `${keys} keys, ${ms.length} chunks: median ${at(0.5)} ms, p90 ${at(0.9)}, max ${at(1)}; total ${total.toFixed(0)} ms`,
)
await s.close()
