/**
 * The in-process cache-hit path alone, for profiling and A/B runs (issue 11): a verifier over a
 * SQLite store of 10,000 keys, all cached, verified uniformly at random, interleaved in rounds
 * with the sha256 + Map loop, in operations per CPU-second (`process.cpuUsage`: the machine is
 * shared, so wall time would measure the neighbours). Prints one JSON line.
 *
 *   node --conditions=keyward-source --import tsx src/hotpath.ts [rounds] [verifier module]
 *
 * The optional module (a path to another tree's `verifier/index.ts`) runs the same loops
 * against that code, for interleaved before/after runs. `HOTPATH_PROFILE=file.cpuprofile` writes a
 * CPU profile of the measured loops only (not of seeding and warming).
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { pathToFileURL } from 'node:url'
import type { createVerifier as CreateVerifier } from 'keyward/verifier'
import { seededStore } from './inprocess.js'
import { makeKeys, uniform } from './population.js'
import { sha256Hex } from './seed.js'

const KEYS = 10_000
const BATCH = 20_000

/** Operations per CPU-second of `op` over `n` calls. */
function perCpuSecond(n: number, op: () => unknown): number {
  const cpu = process.cpuUsage()
  for (let i = 0; i < n; i++) op()
  const used = process.cpuUsage(cpu)
  return n / ((used.user + used.system) / 1e6)
}

/** Awaited calls: the same, awaiting each answer. */
async function perCpuSecondAsync(n: number, op: () => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage()
  for (let i = 0; i < n; i++) await op()
  const used = process.cpuUsage(cpu)
  return n / ((used.user + used.system) / 1e6)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 7)
  const module = process.argv[3] ? pathToFileURL(process.argv[3]).href : 'keyward/verifier'
  const { createVerifier } = (await import(module)) as { createVerifier: typeof CreateVerifier }
  const keys = makeKeys(KEYS)
  const v = await createVerifier({ databaseUrl: await seededStore(keys) })
  const known = new Map(keys.map((k, i) => [sha256Hex(k), { id: i + 1 }]))
  const pick = uniform(KEYS)
  for (const k of keys) if ((await v.verify(k)).code !== 'VALID') throw new Error('population key not VALID')
  const profiler = process.env.HOTPATH_PROFILE ? new Session() : null
  profiler?.connect()
  await profiler?.post('Profiler.enable')
  await profiler?.post('Profiler.start')
  const ratios = { verify: [] as number[], verifySync: [] as number[] }
  const base: number[] = []
  for (let r = 0; r < rounds; r++) {
    const sha = perCpuSecond(BATCH, () => known.get(sha256Hex(keys[pick()]!)))
    const asyncOps = await perCpuSecondAsync(BATCH, () => v.verify(keys[pick()]!))
    const syncOps = perCpuSecond(BATCH, () => v.verifySync(keys[pick()]!))
    await new Promise((resolve) => setImmediate(resolve)) // timers (the usage flush) run between rounds
    base.push(sha)
    ratios.verify.push(asyncOps / sha)
    ratios.verifySync.push(syncOps / sha)
  }
  if (profiler)
    writeFileSync(process.env.HOTPATH_PROFILE!, JSON.stringify((await profiler.post('Profiler.stop')).profile))
  await v.close()
  const round = (x: number) => Math.round(x * 1000) / 1000
  console.log(
    JSON.stringify({
      shaPerCpuS: Math.round(median(base)),
      verify: round(median(ratios.verify)),
      verifySync: round(median(ratios.verifySync)),
    }),
  )
}

await main()
