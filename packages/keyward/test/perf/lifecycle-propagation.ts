/**
 * How long a deactivation on node A takes to refuse, on node B, a key B had cached (and a
 * reactivation to restore it), per bus. Not a test: prints figures. Needs KEYWARD_TEST_DATABASE_URL
 * (and KEYWARD_TEST_REDIS_URL for the Redis bus). Run:
 * node --conditions=keyward-source --import tsx test/perf/lifecycle-propagation.ts
 */
import { BACKENDS, Cluster, within } from '../scale/cluster.js'

const ROUNDS = 20

for (const backend of BACKENDS) {
  const c = await Cluster.start(2, backend)
  const [a, b] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]]
  const admin = await a.adminToken()
  const u = await a.member(`perf${backend}`, admin)
  const k = await a.createKey(u.token)
  const off: number[] = []
  const on: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    await b.verify(admin, k.key) // cached on B
    await a.request('POST', `/v1/users/${u.id}/deactivate`, { token: admin })
    off.push(await within(2000, async () => (await b.verify(admin, k.key)).code === 'DISABLED', 1))
    await a.request('POST', `/v1/users/${u.id}/reactivate`, { token: admin })
    on.push(await within(2000, async () => (await b.verify(admin, k.key)).valid === true, 1))
  }
  const fmt = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y)
    return `median ${s[s.length >> 1]!.toFixed(1)} ms, max ${s[s.length - 1]!.toFixed(1)} ms`
  }
  console.log(`${backend} bus, ${ROUNDS} rounds: deactivation seen on B ${fmt(off)}; reactivation ${fmt(on)}`)
  await c.close()
}
