/**
 * A measurement, not a test: in-process verifications per second over cached keys.
 *
 *   cd packages/keyward && node --import tsx test/perf/verify-ops.ts [keys=10000] [ms=2000]
 *
 * `keys` distinct keys, all cached, each operation on one of them uniformly at random. Three
 * loops in one run, so a loaded machine slows them alike: the physical floor (SHA-256 and a
 * Map lookup), `verifySync`, and `await verify`. The ratios are the result; absolute numbers vary.
 */
import { createHash } from 'node:crypto'
import { fillServer } from './fill-keys.js'

const count = Number(process.argv[2] ?? 10_000)
const ms = Number(process.argv[3] ?? 2_000)
const { kw, secrets } = await fillServer(count)
const verifier = kw.services.verifier
for (const s of secrets) await verifier.verify(s) // fills the cache
const picks = Uint32Array.from({ length: 1 << 16 }, () => Math.floor(Math.random() * count))
const floor = new Map(secrets.map((s, i) => [createHash('sha256').update(s).digest('hex'), { id: i }]))

/** Runs `op(secret)` for about `ms`, in batches of 1,024 between clock reads; returns ops/s. */
async function rate(op: (secret: string) => unknown, awaitEach: boolean): Promise<number> {
  let n = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    for (let i = 0; i < 1024; i++) {
      const r = op(secrets[picks[(n + i) & 0xffff]!]!)
      if (awaitEach) await r
      else if (r === undefined) throw new Error('a cached key had no synchronous answer')
    }
    n += 1024
  }
  return n / ((performance.now() - start) / 1000)
}

const results = {
  'sha256 + Map.get': await rate((s) => floor.get(createHash('sha256').update(s).digest('hex')), false),
  verifySync: await rate((s) => verifier.verifySync(s), false),
  'await verify': await rate((s) => verifier.verify(s), true),
}
const base = results['sha256 + Map.get']
for (const [name, r] of Object.entries(results))
  console.log(
    `${name.padEnd(18)} ${Math.round(r).toLocaleString('en-US').padStart(10)} ops/s  ${(r / base).toFixed(2)}×`,
  )
await kw.close()
