/**
 * The bench's in-process section alone (uniform and Zipf workloads), for iterating on the hit path
 * between full runs: `node --conditions=keyward-source --import tsx src/inprocess-only.ts [ms]`.
 */
import { inProcess } from './inprocess.js'
import { makeKeys, uniform, zipf } from './population.js'

const ms = Number(process.argv[2] ?? 3000)
const keys = makeKeys(10_000)
const rows = await inProcess(
  keys,
  { uniform: { keys, pick: uniform(keys.length) }, 'zipf s=1.1': { keys, pick: zipf(keys.length, 1.1) } },
  ms,
)
const base = (w: string) => rows.find((r) => r.loop.startsWith('sha256') && r.workload === w)!.opsPerS
for (const r of rows)
  console.log(
    `${r.workload.padEnd(12)} ${r.loop.padEnd(70)} ${Math.round(r.opsPerS).toString().padStart(9)} ${(r.opsPerS / base(r.workload)).toFixed(3)}`,
  )
