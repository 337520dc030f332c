/**
 * What the usage flush costs the in-process verifier (issue 11 item 2): the awaited
 * `createVerifier().verify` loop of `inprocess.ts` (10,000 keys, uniform, all cached, the loop
 * yielding every 64 calls so the flush runs) with the default flush and with the flush
 * deferred past the run, for each verifier module given (paths to trees' `verifier/index.ts`;
 * default `keyward/verifier`), interleaved in rounds in one process. Each subject has its own
 * copy of the store. Per subject and round: calls per wall second, per process CPU-second
 * (every thread: a writer thread's work counts), and per main-thread CPU-second (Linux
 * `schedstat`, scheduler-tick resolution: fine over seconds), and the event loop's longest delay and
 * p99 (`monitorEventLoopDelay`, 1 ms resolution: a flush that holds the loop shows there). Prints medians as JSON.
 *
 *   node --conditions=keyward-source --import tsx src/flush-ab.ts [rounds] [seconds] [verifier module…]
 */
import { readFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import type { createVerifier as CreateVerifier } from 'keyward/verifier'
import { seededStore } from './inprocess.js'
import { median, opsPerSecond } from './measure.js'
import { makeKeys, uniform } from './population.js'

const KEYS = 10_000
/** This thread's CPU time so far, in seconds (Linux only). */
const threadCpuS = () => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e9

interface Subject {
  name: string
  v: Awaited<ReturnType<typeof CreateVerifier>>
  wall: number[]
  cpu: number[]
  main: number[]
  /** The event loop's longest delay and p99 in each round (ms): what a flush costs the host's latency. */
  loopMax: number[]
  loopP99: number[]
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5)
  const ms = Number(process.argv[3] ?? 3) * 1000
  const modules = process.argv.length > 4 ? process.argv.slice(4) : ['keyward/verifier']
  const keys = makeKeys(KEYS)
  const pick = uniform(KEYS)
  const subjects: Subject[] = []
  for (const m of modules) {
    const href = m.startsWith('keyward/') ? m : pathToFileURL(m).href
    const { createVerifier } = (await import(href)) as { createVerifier: typeof CreateVerifier }
    for (const deferred of [false, true]) {
      const url = await seededStore(keys)
      const v = await createVerifier({ databaseUrl: url, ...(deferred && { usageFlushMs: 3_600_000 }) })
      for (const k of keys) await v.verify(k)
      subjects.push({
        name: `${m}${deferred ? ' (flush deferred)' : ''}`,
        v,
        wall: [],
        cpu: [],
        main: [],
        loopMax: [],
        loopP99: [],
      })
    }
  }
  for (let r = 0; r < rounds; r++)
    for (const s of subjects) {
      const cpu = process.cpuUsage()
      const mainCpu = threadCpuS()
      const start = performance.now()
      const delay = monitorEventLoopDelay({ resolution: 1 })
      delay.enable()
      const perWallS = await opsPerSecond(ms, () => s.v.verify(keys[pick()]!))
      delay.disable()
      s.loopMax.push(delay.max / 1e6)
      s.loopP99.push(delay.percentile(99) / 1e6)
      const n = (perWallS * (performance.now() - start)) / 1000
      const used = process.cpuUsage(cpu)
      s.wall.push(perWallS)
      s.cpu.push(n / ((used.user + used.system) / 1e6))
      s.main.push(n / (threadCpuS() - mainCpu))
    }
  const out = subjects.map((s) => ({
    subject: s.name,
    perWallS: Math.round(median(s.wall)),
    perProcessCpuS: Math.round(median(s.cpu)),
    perMainThreadCpuS: Math.round(median(s.main)),
    loopMaxMs: Math.round(median(s.loopMax) * 10) / 10,
    loopP99Ms: Math.round(median(s.loopP99) * 10) / 10,
  }))
  console.log(JSON.stringify(out, null, 1))
  for (const s of subjects) await s.v.close()
}

await main()
