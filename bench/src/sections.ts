/** The HTTP parts of the bench: each starts its targets, measures, and stops them. */
import { runAdversary } from './adversarial.js'
import { type Target, startTarget } from './child.js'
import { type Shot, load } from './load.js'
import { freshPgDatabase, pgCounters } from './pgstat.js'
import { type Picker, sequential, single, uniform, zipf } from './population.js'
import type { TargetSpec } from './protocol.js'
import type { HttpRun, Results } from './results.js'

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
  const { bigStore: size, connections } = res.settings
  log(`big store: seeding ${size} keys`)
  // Seeded by a process of its own, so the measured server's RSS holds no trace of the bulk load.
  const seeder = await startTarget({ kind: 'keyward', keysFile: files.big, storeSize: size, seedOnly: true })
  await seeder.stop()
  // The 10,000-key store, cached, right before the big one: the HTTP section's row ran minutes earlier, and
  // on this shared host the same server's rate drifted 0.54–1.60x between the two (2026-12-06 23:03, 23:15).
  const smallDir = await seededSmall(files)
  const small = await cachedSmall(b, files, smallDir, res, log)
  const t = await startTarget({ kind: 'keyward', keysFile: files.none, dir: seeder.dir })
  try {
    await check(t.url, t.ready.headers, b, 'keyward (big store)')
    const headers = t.ready.headers
    await warm(t.url, headers, b.population, res)
    log('big store: uniform over the population')
    const same = await measure(
      t,
      `keyward, ${size} keys`,
      'uniform',
      { url: t.url, headers, bodies: b.population, pick: uniform(b.population.length) },
      res,
    )
    log(`big store: filling the cache with ${b.big.length} distinct keys`)
    await t.reset()
    const fill = await load(
      { url: t.url, headers, bodies: b.big, pick: sequential(b.big.length) },
      connections,
      600,
      b.big.length,
    )
    const fillStats = await t.stats()
    log('big store: uniform over the cache-sized working set')
    const wide = await measure(
      t,
      `keyward, ${size} keys`,
      `uniform over ${b.big.length} keys`,
      { url: t.url, headers, bodies: b.big, pick: uniform(b.big.length) },
      res,
    )
    res.scale = { seedS: seeder.ready.seedS, small, same, wide, fill: fillStats, filled: fill.requests }
  } finally {
    await t.stop()
  }
  res.scale.uncached = {
    small: await uncached(b, files, smallDir, `keyward, ${res.settings.population} keys, cache off`, res, log),
    big: await uncached(b, files, seeder.dir, `keyward, ${size} keys, cache off`, res, log),
  }
}

/**
 * A fresh store of the population's keys, seeded by a process of its own as the big store is, for
 * the rows its rows are divided by (cached and cache off). Seeded by the measured server itself, as
 * first written, the cached row read 11,061 req/s against the big store's 15,730 and the HTTP
 * section's 16,753 in one run (2026-12-07 01:43): a ratio of 1.42x from the setup, not the store.
 */
async function seededSmall(files: Files): Promise<string> {
  const seeder = await startTarget({ kind: 'keyward', keysFile: files.population, seedOnly: true })
  await seeder.stop()
  return seeder.dir
}

/** The small store, cache on, warmed and loaded as the big store is. */
async function cachedSmall(b: Bodies, files: Files, dir: string, res: Results, log: Log): Promise<HttpRun> {
  const label = `keyward, ${res.settings.population} keys`
  log(`big store: ${label}, beside it`)
  const t = await startTarget({ kind: 'keyward', keysFile: files.none, dir })
  try {
    await check(t.url, t.ready.headers, b, label)
    await warm(t.url, t.ready.headers, b.population, res)
    const shot = { url: t.url, headers: t.ready.headers, bodies: b.population, pick: uniform(b.population.length) }
    return await measure(t, label, 'uniform', shot, res)
  } finally {
    await t.stop()
  }
}

/**
 * Uniform load with the cache off (`KEYWARD_CACHE_SIZE=0`): every verify reads the store, the only way its
 * size can show (cached, both stores answer from memory). `dir`: a store seeded beforehand, big or small.
 */
async function uncached(b: Bodies, files: Files, dir: string, label: string, res: Results, log: Log): Promise<HttpRun> {
  const t = await startTarget({ kind: 'keyward', keysFile: files.none, dir, env: { KEYWARD_CACHE_SIZE: '0' } })
  try {
    log(`store size: ${label}`)
    await check(t.url, t.ready.headers, b, label)
    return await measure(
      t,
      label,
      'uniform',
      { url: t.url, headers: t.ready.headers, bodies: b.population, pick: uniform(b.population.length) },
      res,
    )
  } finally {
    await t.stop()
  }
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
