/**
 * The bench's in-process section alone (uniform and Zipf workloads), for iterating on the hit path
 * between full runs; with a path to another tree's `verifier/index.ts`, that tree's verifier:
 *
 *   node --conditions=keyward-source --import tsx src/inprocess-only.ts [ms per loop] [verifier module]
 */
import { pathToFileURL } from 'node:url'
import type { createVerifier } from 'keyward/verifier'
import { inProcess } from './inprocess.js'
import { makeKeys, uniform, zipf } from './population.js'

const ms = Number(process.argv[2] ?? 10_000)
const module = process.argv[3] ? pathToFileURL(process.argv[3]).href : 'keyward/verifier'
const { createVerifier: create } = (await import(module)) as { createVerifier: typeof createVerifier }
const keys = makeKeys(10_000)
const workloads = {
  uniform: { keys, pick: uniform(keys.length) },
  'zipf s=1.1': { keys, pick: zipf(keys.length, 1.1) },
}
const rows = await inProcess(keys, workloads, ms, 5, create)
for (const r of rows) {
  const ratio = r.ratio ? `${r.ratio.median.toFixed(3)} (${r.ratio.min.toFixed(3)}–${r.ratio.max.toFixed(3)})` : '1.000'
  const awaited = r.awaitedRatio ? `; × awaited baseline ${r.awaitedRatio.median.toFixed(3)}` : ''
  console.log(
    `${r.workload.padEnd(12)} ${r.loop.padEnd(46)} ${Math.round(r.opsPerS).toString().padStart(9)} ${ratio}${awaited}`,
  )
}
