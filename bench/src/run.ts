/**
 * `npm run bench [-- --quick] [-- --no-record] [-- --only=big-store,…]`: Keyward's verification against its
 * physical baseline and a peer, every target loaded with the same population, in one
 * invocation on loopback. Prints a Markdown section and (full runs) inserts it at the
 * top of BENCHMARKS.md's runs. See bench/README.md for how to read it.
 * The flood's database cost needs KEYWARD_BENCH_DATABASE_URL (or KEYWARD_TEST_DATABASE_URL).
 */
import { mkdtempSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { killTargets, pinClient, pinned } from './child.js'
import { inProcess } from './inprocess.js'
import { bodiesOf } from './load.js'
import { hotShare, makeKeys, sequential, single, uniform, writeKeys, zipf } from './population.js'
import { markdown } from './report.js'
import type { Results } from './results.js'
import { type Bodies, adversarial, bigStore, type Files, floodOnPostgres, matrix } from './sections.js'
import { FULL, QUICK } from './settings.js'

const args = new Set(process.argv.slice(2))
const quick = args.has('--quick')
const SECTIONS = ['in-process', 'http', 'flood-pg', 'big-store', 'issue-17'] as const
const only = onlySections([...args].find((a) => a.startsWith('--only='))?.slice('--only='.length))
// A partial run has no headline's ratios all from one invocation: printed, never recorded.
const record = only ? false : quick ? args.has('--record') : !args.has('--no-record')
const settings = {
  ...(quick ? QUICK : FULL),
  ...(process.env.BENCH_BUDGET_S && { budgetS: Number(process.env.BENCH_BUDGET_S) }),
}
const PG_URL = process.env.KEYWARD_BENCH_DATABASE_URL ?? process.env.KEYWARD_TEST_DATABASE_URL ?? null
const started = performance.now()
pinClient()
const res: Results = {
  quick,
  settings,
  startedAt: new Date(),
  loadBefore: loadavg(),
  http: [],
  clientCeiling: null,
  inProcess: [],
  flood: null,
  scale: null,
  adversarial: null,
  notes: [],
  seeds: {},
  zipfHotShare: hotShare(zipf(settings.population, settings.zipfS), settings.population),
}
if (pinned()) res.notes.push('BENCH_PIN=1: the load generator ran on core 0, every target on core 1')
const log = (s: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)} s] ${s}\n`)
const MARKER = '<!-- npm run bench inserts each full run below this line, newest first -->'

function finish(code: number): never {
  killTargets()
  const text = markdown(res, (performance.now() - started) / 1000)
  writeSync(1, `\n${text}\n`) // synchronous: process.exit follows
  if (record) {
    const path = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url))
    const doc = readFileSync(path, 'utf8')
    if (doc.includes(MARKER)) writeFileSync(path, doc.replace(MARKER, `${MARKER}\n\n${text}`))
    else log('BENCHMARKS.md has no insertion marker: run not recorded')
  }
  process.exit(code)
}

// Bounded: whatever is still running when the budget is spent is reported as missing.
setTimeout(() => {
  res.notes.push(`budget of ${settings.budgetS} s spent: the run was cut short, later sections are missing`)
  finish(1)
}, settings.budgetS * 1000).unref()

log(
  `populations: ${settings.population} keys, ${settings.floodKeys} flood keys, ${settings.cacheFill} big-store plaintexts`,
)
const keys = makeKeys(settings.population)
const flood = makeKeys(settings.floodKeys)
const big = [...keys, ...makeKeys(Math.max(0, settings.cacheFill - keys.length))]
const dir = mkdtempSync(join(tmpdir(), 'bench-population-'))
const files: Files = {
  population: writeKeys(join(dir, 'population.txt'), keys),
  big: writeKeys(join(dir, 'big.txt'), big),
  none: writeKeys(join(dir, 'none.txt'), []),
}
const bodies: Bodies = { population: bodiesOf(keys), flood: bodiesOf(flood), big: bodiesOf(big) }

/** `--only=a,b`: the named sections alone (by hand, e.g. the RSS fill); unknown names are refused. */
function onlySections(list: string | undefined): Set<string> | null {
  if (list === undefined) return null
  const names = list.split(',')
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n))
  if (unknown.length) throw new Error(`--only: unknown section ${unknown.join(', ')} (known: ${SECTIONS.join(', ')})`)
  return new Set(names)
}

async function section(name: (typeof SECTIONS)[number], f: () => Promise<void>): Promise<void> {
  if (only && !only.has(name)) return void res.notes.push(`${name}: not run (--only)`)
  try {
    await f()
  } catch (e) {
    res.notes.push(`${name}: failed (${(e as Error).message})`)
    log(`${name} failed: ${(e as Error).stack}`)
  }
}

await section('in-process', async () => {
  log('in-process loops')
  res.inProcess = await inProcess(
    keys,
    {
      uniform: { keys, pick: uniform(keys.length) },
      [`zipf s=${settings.zipfS}`]: { keys, pick: zipf(keys.length, settings.zipfS) },
      'flood (unknown keys)': { keys: flood, pick: sequential(flood.length) },
      'single hot key (old method)': { keys, pick: single() },
    },
    settings.loopMs,
  )
})
await section('http', () => matrix(bodies, files, res, log))
if (PG_URL) await section('flood-pg', () => floodOnPostgres(PG_URL, bodies, files, res, log))
else res.notes.push('flood database cost not measured: set KEYWARD_BENCH_DATABASE_URL (or KEYWARD_TEST_DATABASE_URL)')
await section('big-store', () => bigStore(bodies, files, res, log))
await section('issue-17', () => adversarial(bodies, files, res, log))
finish(0)
