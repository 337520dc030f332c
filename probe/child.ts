import { performance } from 'node:perf_hooks'
import { openStore } from '../packages/keyward/src/store/database.js'
import { ADMIN, freshDatabase } from '../packages/keyward/test/helpers.js'
import { bulkInsertKeys } from '../packages/keyward/test/scale/bulk-keys.js'
import { serve } from '../packages/keyward/test/scale/spawn-server.js'

const store = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'postgres'
const db = await freshDatabase(store)
const srv = await serve(db.url, {})
const call = async (method: string, path: string, token?: string, body?: unknown) => {
  const r = await fetch(srv.base + path, { method, headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) })
  const j = await r.json() as any
  if (r.status >= 300) throw new Error(`${path} ${r.status} ${JSON.stringify(j)}`)
  return j
}
const login = async (email: string, password: string) => (await call('POST', '/v1/auth/login', undefined, { email, password })).access_token as string
const admin = await login(ADMIN.email, ADMIN.password)
const member = async (name: string) => { const u = await call('POST', '/v1/users', admin, { email: `${name}@example.com`, password: `${name}-password-1` }); return { actorId: u.actor_id as number, token: await login(`${name}@example.com`, `${name}-password-1`) } }
const heavy = await member('heavy'); const o = await member('other')
const key = (await call('POST', '/v1/keys', o.token, { name: 'verified' })).key as string
const loader = openStore(db.url); await bulkInsertKeys(loader, heavy.actorId, 100_000, 'heavy'); await loader.close()
const t0 = performance.now(); const lat: number[] = []; const spikes: string[] = []
while (performance.now() - t0 < Number(process.argv[3] ?? 10_000)) {
  const a = performance.now()
  const r = await fetch(`${srv.base}/v1/keys/verify`, { method: 'POST', headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ key }) })
  await r.json(); const d = performance.now() - a; lat.push(d); if (d > 5) spikes.push(`${(a - t0).toFixed(0)}:${d.toFixed(1)}`)
}
const n = lat.length; lat.sort((x, y) => x - y)
console.log(`n=${n} p50=${lat[n >> 1]!.toFixed(2)} p99=${lat[Math.floor(n * 0.99)]!.toFixed(2)} max=${lat[n - 1]!.toFixed(1)} spikes>5ms=${spikes.length}`)
console.log(spikes.slice(0, 60).join(' '))
srv.proc.kill('SIGTERM'); await srv.exited; await db.drop()
