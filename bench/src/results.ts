/** Everything one bench invocation measured; report.ts turns it into Markdown. */
import type { AdversaryStats } from './adversarial.js'
import type { LoopRow } from './inprocess.js'
import type { LoadResult } from './load.js'
import type { PgCounters } from './pgstat.js'
import type { TargetStats } from './protocol.js'
import type { Settings } from './settings.js'

/** One HTTP load run and the target's own view of it. */
export interface HttpRun {
  target: string
  workload: string
  r: LoadResult
  s: TargetStats
}

/** Two servers loaded in turns, round by round: each side's median round, and the big/small ratio's median over the rounds. */
export interface PairedRuns {
  small: HttpRun
  big: HttpRun
  rounds: { small: number; big: number }[]
  ratio: { median: number; min: number; max: number }
}

/** The flood on PostgreSQL and what it cost the database. */
export interface FloodCost {
  run: HttpRun
  delta: PgCounters
}

/** Collected results; sections that did not run stay null and say why in `notes`. */
export interface Results {
  quick: boolean
  settings: Settings
  startedAt: Date
  loadBefore: number[]
  http: HttpRun[]
  /** The bare server with one fixed body and no per-request setup: the client's ceiling without rotation. */
  clientCeiling: LoadResult | null
  inProcess: LoopRow[]
  flood: FloodCost | null
  scale: {
    seedS: number
    /** The population's store and the big one, cached, served side by side and loaded in turns. */
    pair: PairedRuns
    wide: HttpRun | null
    fill: TargetStats
    filled: number
    /** The same, cache off. */
    uncached: PairedRuns
  } | null
  adversarial: { memberKeys: number; quiet: HttpRun; attacked: HttpRun; adversary: AdversaryStats[] } | null
  notes: string[]
  /** Share of Zipf requests that go to the hottest 1 % of keys (sampled). */
  zipfHotShare: number
  seeds: Record<string, number>
}

/** The run of `target` under `workload`, if it ran. */
export function find(res: Results, target: string, workload: string): HttpRun | undefined {
  return res.http.find((h) => h.target === target && h.workload === workload)
}
