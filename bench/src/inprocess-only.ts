/**
 * The bench's in-process section alone (uniform and Zipf workloads), for iterating on the hit path
 * between full runs; with a path to another tree's `verifier/index.ts`, that tree's verifier:
 *
 *   node --conditions=keyward-source --import tsx src/inprocess-only.ts [ms per loop] [verifier module] [--rounds=5]
 */
import { pathToFileURL } from 'node:url'
import type { createVerifier } from 'keyward/verifier'
import { inProcess } from './inprocess.js'
import { makeKeys, uniform, zipf } from './population.js'

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 5)
const [msArg, moduleArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const ms = Number(msArg ?? 10_000)
const module = moduleArg ? pathToFileURL(moduleArg).href : 'keyward/verifier'
const { createVerifier: create } = (await import(module)) as { createVerifier: typeof createVerifier }
const keys = makeKeys(10_000)
const workloads = {
  uniform: { keys, pick: uniform(keys.length) },
  'zipf s=1.1': { keys, pick: zipf(keys.length, 1.1) },
}
const rows = await inProcess(keys, workloads, ms, rounds, create)
for (const r of rows) {
  const ratio = r.ratio ? `${r.ratio.median.toFixed(3)} (${r.ratio.min.toFixed(3)}–${r.ratio.max.toFixed(3)})` : '1.000'
  const q = r.awaitedRatio
  const awaited = q ? `; × awaited baseline ${q.median.toFixed(3)} (${q.min.toFixed(3)}–${q.max.toFixed(3)})` : ''
  console.log(
    `${r.workload.padEnd(12)} ${r.loop.padEnd(46)} ${Math.round(r.opsPerS).toString().padStart(9)} ${ratio}${awaited}`,
  )
}
