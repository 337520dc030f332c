/**
 * The in-process cache-hit path alone, for profiling and A/B runs (issue 11): a verifier over a
 * SQLite store of 10,000 keys, all cached, verified uniformly at random, interleaved in rounds
 * with the sha256 + Map loop, in operations per CPU-second (`process.cpuUsage`: the machine is
 * shared, so wall time would measure the neighbours). Prints one JSON line.
 *
 *   node --conditions=keyward-source --import tsx src/hotpath.ts [rounds] [verifier module…]
 *
 * Modules (paths to other trees' `verifier/index.ts`; default `keyward/verifier`) each get a
 * verifier over the same store, measured in turn in every round: before/after A/B in one process. `HOTPATH_PROFILE=file.cpuprofile` writes a
 * CPU profile of the measured loops only (not of seeding and warming).
 */
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { pathToFileURL } from 'node:url'
import type { createVerifier as CreateVerifier } from 'keyward/verifier'
import { ShaMapBaseline } from './baseline.js'
import { seededStore } from './inprocess.js'
import { median } from './measure.js'
import { makeKeys, uniform } from './population.js'

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

/** A verifier under test and its figures per round (ratios to the sha256 + Map loop of the same round). */
interface Subject {
  name: string
  v: Awaited<ReturnType<typeof CreateVerifier>>
  verify: number[]
  verifySync: number[]
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 7)
  const modules = process.argv.length > 3 ? process.argv.slice(3) : ['keyward/verifier']
  const keys = makeKeys(KEYS)
  const url = await seededStore(keys)
  const subjects: Subject[] = []
  for (const m of modules) {
    const href = m.startsWith('keyward/') ? m : pathToFileURL(m).href
    const { createVerifier } = (await import(href)) as { createVerifier: typeof CreateVerifier }
    const v = await createVerifier({ databaseUrl: url })
    for (const k of keys) if ((await v.verify(k)).code !== 'VALID') throw new Error('population key not VALID')
    subjects.push({ name: m, v, verify: [], verifySync: [] })
  }
  const baseline = new ShaMapBaseline(keys)
  const createHashBaseline = new ShaMapBaseline(keys, (k) => createHash('sha256').update(k).digest('hex'))
  const pick = uniform(KEYS)
  const profiler = process.env.HOTPATH_PROFILE ? new Session() : null
  profiler?.connect()
  await profiler?.post('Profiler.enable')
  await profiler?.post('Profiler.start')
  const base: number[] = []
  const oldBase: number[] = []
  // Each round measures the baseline, then every subject: A/B in one process, interleaved. The
  // order of the subjects turns each round: with a fixed order, one tree measured against itself
  // read 1.26x for the second place (the A/A run of 2026-11-30).
  for (let r = 0; r < rounds; r++) {
    const sha = perCpuSecond(BATCH, () => baseline.lookup(keys[pick()]!))
    base.push(sha)
    // The baseline as the bench computed it before issue 11's hash change, for comparison with older figures.
    oldBase.push(perCpuSecond(BATCH, () => createHashBaseline.lookup(keys[pick()]!)))
    for (const s of [...subjects.slice(r % subjects.length), ...subjects.slice(0, r % subjects.length)]) {
      s.verify.push((await perCpuSecondAsync(BATCH, () => s.v.verify(keys[pick()]!))) / sha)
      s.verifySync.push(perCpuSecond(BATCH, () => s.v.verifySync(keys[pick()]!)) / sha)
      await new Promise((resolve) => setImmediate(resolve)) // timers (the usage flush) run between loops
    }
  }
  baseline.check('uniform', keys)
  createHashBaseline.check('uniform, createHash', keys)
  if (profiler)
    writeFileSync(process.env.HOTPATH_PROFILE!, JSON.stringify((await profiler.post('Profiler.stop')).profile))
  const round = (x: number) => Math.round(x * 1000) / 1000
  const oldRatio = median(oldBase.map((o, i) => o / base[i]!))
  console.log(JSON.stringify({ shaPerCpuS: Math.round(median(base)), createHashBaselineRatio: round(oldRatio) }))
  // Each subject against the first, round by round: the ratio of two loops run seconds apart
  // varies less with the machine's load than either loop's ratio to the baseline.
  const first = subjects[0]!
  const vsFirst = (xs: number[], ys: number[]) => round(median(xs.map((x, i) => x / ys[i]!)))
  for (const s of subjects) {
    await s.v.close()
    console.log(
      JSON.stringify({
        module: s.name,
        verify: round(median(s.verify)),
        verifySync: round(median(s.verifySync)),
        ...(s !== first && {
          verifyVsFirst: vsFirst(s.verify, first.verify),
          verifySyncVsFirst: vsFirst(s.verifySync, first.verifySync),
        }),
      }),
    )
  }
}

await main()
