/**
 * A measurement, not a test: how long `POST /v1/keys/import` of 1,000 keys holds the event loop on SQLite.
 *
 *   cd packages/keyward && node --conditions=keyward-source --import tsx test/perf/import-hold.ts [rounds]
 *
 * An in-process server on a temp SQLite file; each round imports 1,000 keys (by hash and by plaintext in turn,
 * with names, scopes and external ids), while a 1 ms timer records the gaps between its runs. Prints each
 * round's request time and longest gap (the longest the loop was held: nothing else could run meanwhile).
 */
import { randomBytes } from 'node:crypto'
import { TestServer } from '../helpers.js'

const rounds = Number(process.argv[2] ?? 6)
const s = await TestServer.start('sqlite')
const token = await s.adminToken()
let last = performance.now()
let longest = 0
const timer = setInterval(() => {
  const now = performance.now()
  longest = Math.max(longest, now - last)
  last = now
}, 1)
for (let round = 0; round < rounds; round++) {
  const keys = Array.from({ length: 1000 }, (_, i) => ({
    ...(round % 2
      ? { plaintext: `kw_${randomBytes(24).toString('base64url')}` }
      : { hash: { value: randomBytes(32).toString('hex'), variant: 'sha256_hex' } }),
    name: `r${round}-${i}`,
    scopes: ['invoices:read'],
    external_id: `e${round}-${i}`,
  }))
  ;[last, longest] = [performance.now(), 0]
  const t0 = performance.now()
  const r = await s.request('POST', '/v1/keys/import', { token, body: { keys } })
  const took = performance.now() - t0
  longest = Math.max(longest, performance.now() - last)
  console.log(`round ${round}: ${r.status} in ${took.toFixed(0)} ms, the loop held at most ${longest.toFixed(1)} ms`)
}
clearInterval(timer)
await s.close()
