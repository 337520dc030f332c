/** The HTTP parts of the bench: each starts its targets, measures, and stops them. */
import { runAdversary } from './adversarial.js'
import { type Target, startTarget } from './child.js'
import { type Shot, load } from './load.js'
import { percentile } from './measure.js'
import { freshPgDatabase, pgCounters } from './pgstat.js'
import { type Picker, sequential, single, uniform, zipf } from './population.js'
import type { TargetSpec } from './protocol.js'
import type { HttpRun, PairedRuns, Results } from './results.js'

/** Populations as pre-serialized bodies, shared by every target. */
export interface Bodies {
  population: string[]
  flood: string[]
  /** Plaintexts of the big store (population first). */
  big: string[]
}

/** Files the targets seed from. */
export interface Files {
  population: string
  big: string
  /** No keys: a restart on an already seeded store. */
  none: string
}

type Log = (s: string) => void
const NO_STATS = {
  loopMaxMs: NaN,
  loopHeldMaxMs: NaN,
  loopP99Ms: NaN,
  loopMeanMs: NaN,
  gcMaxMs: NaN,
  gcMaxKind: '',
  gcPauses: 0,
  serverCpu: NaN,
  maxRssMb: NaN,
  rssMb: NaN,
  heapUsedMb: NaN,
  heapTotalMb: NaN,
  externalMb: NaN,
  cacheEntries: null,
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One measured run: a window inside the target around one load run. */
async function measure(
  t: Target,
  name: string,
  workload: string,
  shot: Shot,
  res: Results,
  seconds?: number,
): Promise<HttpRun> {
  await t.reset()
  const r = await load(shot, res.settings.connections, seconds ?? res.settings.httpS)
  const s = await t
    .stats()
    .catch((e: Error) => (res.notes.push(`${name} / ${workload}: no stats (${e.message})`), NO_STATS))
  const run = { target: name, workload, r, s }
  if (r.errors || r.non2xx)
    res.notes.push(`${name} / ${workload}: ${r.errors} errors or timeouts, ${r.non2xx} non-2xx answers`)
  return run
}

/**
 * Steady state before measuring: every population key once (a long-running server with
 * these keys active has them all cached; a peer has its pages in memory), then uniform
 * traffic for `warmS` (JIT). Every target and caller gets the same warm-up.
 */
async function warm(url: string, headers: Record<string, string>, bodies: string[], res: Results): Promise<void> {
  await load({ url, headers, bodies, pick: sequential(bodies.length) }, res.settings.connections, 600, bodies.length)
  await load({ url, headers, bodies, pick: uniform(bodies.length) }, res.settings.connections, res.settings.warmS)
}

/** The workloads of the matrix, with a fresh picker each (the flood walks its keys in order: no repeats). */
function workloads(b: Bodies, res: Results): [string, string[], Picker, number][] {
  const { httpS, singleS, zipfS } = res.settings
  const n = b.population.length
  return [
    ['uniform', b.population, uniform(n), httpS],
    [`zipf s=${zipfS}`, b.population, zipf(n, zipfS), httpS],
    ['flood (unknown keys)', b.flood, sequential(b.flood.length), httpS],
    ['single hot key (old method)', b.population, single(), singleS],
  ]
}

/** A target answers `valid` for a population key and not for a flood key, or the run is meaningless. */
async function check(url: string, headers: Record<string, string>, b: Bodies, name: string): Promise<void> {
  const ask = async (body: string) =>
    (
      (await (
        await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
      ).json()) as { valid: boolean }
    ).valid
  if (!(await ask(b.population[0]!))) throw new Error(`${name} does not answer valid for a population key`)
  if (await ask(b.flood[b.flood.length - 1]!)) throw new Error(`${name} answers valid for an unknown key`)
}

/** Every target under every workload (uniform, Zipf, flood, single key). */
export async function matrix(b: Bodies, files: Files, res: Results, log: Log): Promise<void> {
  for (const kind of ['bare', 'keyward', 'better-auth'] as const) {
    log(`HTTP: starting ${kind} with ${b.population.length} keys`)
    let t: Target
    try {
      t = await startTarget({ kind, keysFile: files.population })
    } catch (e) {
      res.notes.push(`${kind}: could not start (${(e as Error).message})`)
      continue
    }
    try {
      res.seeds[kind] = t.ready.seedS
      const callers: [string, Record<string, string>][] =
        kind === 'keyward'
          ? [
              ['keyward', t.ready.headers],
              ['keyward-session', t.ready.sessionHeaders!],
            ]
          : [[kind, t.ready.headers]]
      for (const [name, headers] of callers) {
        await check(t.url, headers, b, name)
        await warm(t.url, headers, b.population, res)
        for (const [workload, bodies, pick, s] of workloads(b, res)) {
          log(`HTTP: ${name} / ${workload} (${s} s)`)
          res.http.push(await measure(t, name, workload, { url: t.url, headers, bodies, pick }, res, s))
        }
      }
      if (kind === 'bare') {
        log('HTTP: client ceiling (bare, one fixed body, no per-request setup)')
        res.clientCeiling = await load(
          { url: t.url, headers: {}, bodies: b.population.slice(0, 1), pick: single() },
          res.settings.connections,
          res.settings.singleS,
          undefined,
          true,
        )
      }
    } catch (e) {
      res.notes.push(`${kind}: ${(e as Error).message}`)
    } finally {
      await t.stop()
    }
  }
}

/** The flood against Keyward on PostgreSQL, with the database's own count of what it cost. */
export async function floodOnPostgres(
  adminUrl: string,
  b: Bodies,
  files: Files,
  res: Results,
  log: Log,
): Promise<void> {
  log('flood on PostgreSQL: database cost')
  const db = await freshPgDatabase(adminUrl)
  try {
    const t = await startTarget({ kind: 'keyward', keysFile: files.population, databaseUrl: db.url })
    let run: HttpRun
    try {
      await check(t.url, t.ready.headers, b, 'keyward on PostgreSQL')
      await warm(t.url, t.ready.headers, b.population, res)
      // Let the warm-up's batched writes flush (KEYWARD_USAGE_FLUSH_MS, 1 s by default) and the backends publish their statistics.
      await sleep(6_000)
      const before = await pgCounters(db.url)
      run = await measure(
        t,
        'keyward (PostgreSQL)',
        'flood (unknown keys)',
        { url: t.url, headers: t.ready.headers, bodies: b.flood, pick: sequential(b.flood.length) },
        res,
      )
      await t.stop() // closing its connections publishes the rest
      await sleep(1_500)
      const after = await pgCounters(db.url)
      const d = (k: keyof typeof after) => after[k] - before[k]
      res.flood = {
        run,
        delta: {
          xactCommit: d('xactCommit') - 1,
          keyScans: d('keyScans'),
          keyTuples: d('keyTuples'),
          hashIndexScans: d('hashIndexScans'),
        },
      }
    } finally {
      await t.stop()
    }
  } finally {
    await db.drop()
  }
}

/** The big store: the same uniform load as the matrix, a cache-sized working set, then RSS with a full cache. */
export async function bigStore(b: Bodies, files: Files, res: Results, log: Log): Promise<void> {
  const { bigStore: size, population } = res.settings
  log(`big store: seeding ${size} keys`)
  // Seeded by a process of its own, so the measured server's RSS holds no trace of the bulk load.
  const seeder = await startTarget({ kind: 'keyward', keysFile: files.big, storeSize: size, seedOnly: true })
  await seeder.stop()
  const smallDir = await seededSmall(files)
  const labels = { small: `keyward, ${population} keys`, big: `keyward, ${size} keys` }
  log(`big store: ${population} and ${size} keys, cached, in turns`)
  // The small server stops before the fill: the RSS readings and the wide run have the host to themselves.
  const cached = await sideBySide(b, files, { small: smallDir, big: seeder.dir }, labels, {}, res, (small, big) =>
    small.stop().then(() => fillAndWiden(b, big, labels.big, res, log)),
  )
  log('store size: cache off, in turns')
  const off = { small: `${labels.small}, cache off`, big: `${labels.big}, cache off` }
  const uncached = await sideBySide(b, files, { small: smallDir, big: seeder.dir }, off, NO_CACHE, res)
  res.scale = { seedS: seeder.ready.seedS, ...cached.after!, pair: cached.pair, uncached: uncached.pair }
}

const NO_CACHE = { KEYWARD_CACHE_SIZE: '0' }

/**
 * Rounds of the store-size comparisons. The two servers run side by side and take turns, half a run
 * each, the order alternating, and the ratio is the median of the rounds' ratios: run one after the
 * other, the two cached rows read 0.77x and 1.03x in two full runs eleven minutes apart
 * (2026-12-07 04:31, 04:42), and 0.54x to 1.60x before; the host's rate drifts more than the store
 * changes it. The idle server meanwhile runs nothing but its timers.
 */
const PAIR_ROUNDS = 5

type Sides<T> = { small: T; big: T }

/**
 * Both stores served at once (seeded beforehand; `env`: the targets' settings), checked, warmed,
 * and measured in turns; `then` runs on the still-running pair before they stop.
 */
async function sideBySide<T>(
  b: Bodies,
  files: Files,
  dirs: Sides<string>,
  labels: Sides<string>,
  env: Record<string, string>,
  res: Results,
  then?: (small: Target, big: Target) => Promise<T>,
): Promise<{ pair: PairedRuns; after?: T }> {
  const start = (dir: string) => startTarget({ kind: 'keyward', keysFile: files.none, dir, env })
  const small = await start(dirs.small)
  try {
    const big = await start(dirs.big)
    try {
      for (const [t, label] of [
        [small, labels.small],
        [big, labels.big],
      ] as const) {
        await check(t.url, t.ready.headers, b, label)
        await warm(t.url, t.ready.headers, b.population, res)
      }
      const pair = await inTurns({ small, big }, labels, b, res)
      return { pair, after: await then?.(small, big) }
    } finally {
      await big.stop()
    }
  } finally {
    await small.stop()
  }
}

/** `PAIR_ROUNDS` rounds of uniform load on each side; each side's row is its median round. */
async function inTurns(t: Sides<Target>, labels: Sides<string>, b: Bodies, res: Results): Promise<PairedRuns> {
  const runs: Sides<HttpRun[]> = { small: [], big: [] }
  const seconds = Math.max(1, res.settings.httpS / 2)
  for (let r = 0; r < PAIR_ROUNDS; r++) {
    for (const side of r % 2 === 0 ? (['small', 'big'] as const) : (['big', 'small'] as const)) {
      const shot = {
        url: t[side].url,
        headers: t[side].ready.headers,
        bodies: b.population,
        pick: uniform(b.population.length),
      }
      runs[side].push(
        await measure(t[side], labels[side], `uniform (${seconds} s × ${PAIR_ROUNDS}, in turns)`, shot, res, seconds),
      )
    }
  }
  const ratios = runs.big.map((big, i) => big.r.rps / runs.small[i]!.r.rps)
  return {
    small: medianRun(runs.small),
    big: medianRun(runs.big),
    rounds: runs.small.map((s, i) => ({ small: s.r.rps, big: runs.big[i]!.r.rps })),
    ratio: { median: percentile(ratios, 50), min: Math.min(...ratios), max: Math.max(...ratios) },
  }
}

/** The run whose req/s is the median of the rounds' (a measured run, not a blend of several). */
const medianRun = (runs: HttpRun[]) => [...runs].sort((a, b) => a.r.rps - b.r.rps)[runs.length >> 1]!

/**
 * The big store's cache filled with distinct keys (its RSS then), and a uniform run over them. Each
 * key is verified twice: the first caches its entry, the second (a hit) prepares its answer beside
 * it (`prepared-answer.ts`), so the RSS reading holds what a cache of keys in use holds.
 */
async function fillAndWiden(b: Bodies, t: Target, label: string, res: Results, log: Log) {
  const headers = t.ready.headers
  log(`big store: filling the cache with ${b.big.length} distinct keys, each verified twice`)
  await t.reset()
  const fill = await load(
    { url: t.url, headers, bodies: b.big, pick: sequential(b.big.length) },
    res.settings.connections,
    600,
    2 * b.big.length,
  )
  const fillStats = await t.stats()
  log('big store: uniform over the cache-sized working set')
  const wide = await measure(
    t,
    label,
    `uniform over ${b.big.length} keys`,
    { url: t.url, headers, bodies: b.big, pick: uniform(b.big.length) },
    res,
  )
  return { wide, fill: fillStats, filled: fill.requests }
}

/** A fresh store of the population's keys, seeded by a process of its own as the big store is. */
async function seededSmall(files: Files): Promise<string> {
  const seeder = await startTarget({ kind: 'keyward', keysFile: files.population, seedOnly: true })
  await seeder.stop()
  return seeder.dir
}

/** Issue 17: verification p99 / max, quiet and while one member loops the adversarial suite. */
export async function adversarial(b: Bodies, files: Files, res: Results, log: Log): Promise<void> {
  const { memberKeys, adversaryTimeoutMs } = res.settings
  log(`adversarial: member with ${memberKeys} keys`)
  const spec: Omit<TargetSpec, 'dir'> = { kind: 'keyward', keysFile: files.population, memberKeys }
  const t = await startTarget(spec)
  try {
    await check(t.url, t.ready.headers, b, 'keyward (member with keys)')
    const shot = { url: t.url, headers: t.ready.headers, bodies: b.population, pick: uniform(b.population.length) }
    await warm(t.url, t.ready.headers, b.population, res)
    const quiet = await measure(t, 'keyward (member with keys)', 'uniform, quiet', shot, res)
    log('adversarial: verify while the suite loops')
    const adversary = runAdversary(new URL(t.url).origin, t.ready.memberToken!, adversaryTimeoutMs)
    const attacked = await measure(t, 'keyward (member with keys)', 'uniform, adversarial client', shot, res).finally(
      () => adversary.stop(),
    )
    res.adversarial = { memberKeys, quiet, attacked, adversary: await adversary.stop() }
  } finally {
    await t.stop()
  }
}
