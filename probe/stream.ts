import { performance } from 'node:perf_hooks'
import { openStore } from '../packages/keyward/src/store/database.js'
import { TestServer } from '../packages/keyward/test/helpers.js'
import { bulkInsertKeys } from '../packages/keyward/test/scale/bulk-keys.js'

const store = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'postgres'
const s = await TestServer.start(store)
const base = await s.listen()
const admin = await s.adminToken()
const heavy = await s.member('heavy', admin)
const o = await s.member('other', admin)
const key = (await s.createKey(o.token, { name: 'verified' })).key
const loader = openStore(s.config.databaseUrl)
await bulkInsertKeys(loader, heavy.actorId, 100_000, 'heavy')
await loader.close()
const t0 = performance.now()
const spikes: string[] = []
let n = 0
const lat: number[] = []
while (performance.now() - t0 < Number(process.argv[3] ?? 10_000)) {
  const a = performance.now()
  const r = await fetch(`${base}/v1/keys/verify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  })
  await r.json()
  const d = performance.now() - a
  lat.push(d)
  n++
  if (d > 5) spikes.push(`${(a - t0).toFixed(0)}ms:${d.toFixed(1)}`)
}
lat.sort((x, y) => x - y)
console.log(`n=${n} p50=${lat[n >> 1]!.toFixed(2)} p99=${lat[Math.floor(n * 0.99)]!.toFixed(2)} max=${lat[n - 1]!.toFixed(1)}`)
console.log(spikes.join(' '))
await s.close()
