/** How big and how long: the full run (≤ 8 min on 2 cores) and `--quick` (≤ 2 min, smoke use). */
export interface Settings {
  /** Seconds per measured HTTP run, per warm-up, per single-key run. */
  httpS: number
  warmS: number
  singleS: number
  connections: number
  /** Distinct keys every target holds and requests pick from. */
  population: number
  /** Distinct well-formed unknown keys for the flood (no repeats within a run at the expected rates). */
  floodKeys: number
  /** Keys in the big store; its cache is filled with `cacheFill` distinct keys. */
  bigStore: number
  cacheFill: number
  /** Keys owned by the adversarial suite's member (issue 17). */
  memberKeys: number
  /** Milliseconds per in-process loop. */
  loopMs: number
  /** Client-side timeout of each adversarial request. */
  adversaryTimeoutMs: number
  zipfS: number
  /** Hard stop for the whole run: partial results are printed and the bench exits 1. */
  budgetS: number
}

/** The full run. */
export const FULL: Settings = {
  httpS: 10,
  warmS: 2,
  singleS: 5,
  connections: 64,
  population: 10_000,
  floodKeys: 200_000,
  bigStore: 1_000_000,
  cacheFill: 100_000,
  memberKeys: 20_000,
  loopMs: 2_000,
  adversaryTimeoutMs: 5_000,
  zipfS: 1.1,
  budgetS: 840,
}

/** `--quick`: shorter runs, smaller populations; same code paths. */
export const QUICK: Settings = {
  httpS: 2,
  warmS: 1,
  singleS: 1,
  connections: 64,
  population: 2_000,
  floodKeys: 50_000,
  bigStore: 50_000,
  cacheFill: 10_000,
  memberKeys: 2_000,
  loopMs: 400,
  adversaryTimeoutMs: 2_000,
  zipfS: 1.1,
  budgetS: 150,
}
