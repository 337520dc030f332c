/**
 * In-process verification against its physical baseline, same population and
 * pickers: `sha256 + Map.get` (synchronous) vs `createVerifier().verify` (awaited,
 * one at a time) and, when the verifier has it, the synchronous `verifySync`.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeyward, loadConfig } from 'keyward'
import { type KeywardVerifier, createVerifier } from 'keyward/verifier'
import { visiblePrefix } from '../../packages/keyward/src/core/key-format.js'
import { median, opsPerSecond, syncOpsPerSecond } from './measure.js'
import type { Picker } from './population.js'
import { ShaMapBaseline } from './baseline.js'
import { cloneSqlite, sha256Hex } from './seed.js'

/** One loop's figure. */
export interface LoopRow {
  loop: string
  workload: string
  opsPerS: number
  /** verifySync only: share of calls answered synchronously. */
  syncShare?: number
  /**
   * Verifier loops: the ratio to the baseline round by round (each round runs the baseline, then
   * the verifiers, so a pair shares the machine's state), its median and range over the rounds.
   */
  ratio?: { median: number; min: number; max: number }
  /** The awaited `verify` only: the same, to the baseline answered in a promise and awaited (the same call shape). */
  awaitedRatio?: { median: number; min: number; max: number }
}

/** A migrated Keyward SQLite store holding `keys`; returns its URL. */
export async function seededStore(keys: readonly string[]): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'bench-inprocess-')), 'keyward.db')
  const url = `sqlite:${path}`
  const kw = await createKeyward(loadConfig({ KEYWARD_DATABASE_URL: url, KEYWARD_LOG_LEVEL: 'silent' }), {
    logger: false,
  })
  await kw.services.users.bootstrapAdmin('bench@example.com', 'bench-password-1')
  const login = await kw.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email: 'bench@example.com', password: 'bench-password-1' },
  })
  const created = await kw.app.inject({
    method: 'POST',
    url: '/v1/keys',
    payload: { name: 'template' },
    headers: { authorization: `Bearer ${login.json().access_token}` },
  })
  cloneSqlite(
    path,
    { table: 'api_key', id: 'id', columns: { hash: 'hash', prefix: 'key_prefix', name: 'name' } },
    created.json().api_key.id,
    keys.map((k, i) => ({ hash: sha256Hex(k), prefix: visiblePrefix(k), name: `pop-${i}` })),
  )
  await kw.close()
  return url
}

type Workload = { keys: readonly string[]; pick: Picker }
type Workloads = Record<string, Workload>
/** A workload's keys in the order its picker drew them before timing began (`predrawn`). */
type Next = () => string

/** Picks drawn before timing, cycled: enough that a flood walk of 200,000 keys does not repeat within a loop. */
const PREDRAWN = 1 << 18

/**
 * The workload's keys in its picker's order, drawn before any loop is timed, one cursor shared by
 * the loops as the picker's state was. A Zipf draw (a binary search over 10,000 ranks) costs about
 * 54 ns, which both sides paid inside the timed loop: a cost common to baseline and verifier pulls
 * their ratio toward 1 (about 3 % on the Zipf row; a reviewer's measurement, 2026-11-30).
 */
function predrawn(w: Workload): Next {
  const order = Uint32Array.from({ length: PREDRAWN }, () => w.pick())
  let i = 0
  return () => w.keys[order[i++ & (PREDRAWN - 1)]!]!
}

/**
 * `verifySync` as an application calls it: the synchronous answer when there is one, else
 * `await verify` (a miss, a limited key). Counting an `undefined` as an operation would
 * measure a cache probe, not a verification.
 */
async function syncFirstLoop(v: KeywardVerifier, next: Next, ms: number): Promise<Measured> {
  let answered = 0
  let calls = 0
  const opsPerS = await opsPerSecond(ms, () => {
    const key = next()
    calls++
    if (v.verifySync(key) === undefined) return v.verify(key)
    answered++
  })
  return { opsPerS, syncShare: answered / calls }
}

type Measured = { opsPerS: number; syncShare?: number }
type Ratio = NonNullable<LoopRow['ratio']>
const summary = (ratios: number[]): Ratio => ({
  median: median(ratios),
  min: Math.min(...ratios),
  max: Math.max(...ratios),
})
/** `awaited`: the awaited pair, whose verifier is also compared with its baseline (a diagnostic). */
type Loop = { loop: string; awaited?: 'baseline' | 'verifier'; run: (next: Next, ms: number) => Promise<Measured> }

/**
 * Every loop over every workload, `ms` each in all, interleaved: `rounds` rounds per workload,
 * each running every loop for `ms / rounds`, and each row the median of its rounds. Run one
 * after the other (the baseline first, then each verifier), a loop's figure took whatever the
 * machine did during its seconds: on this shared 2-core machine the same loop varied by up to
 * 1.8× between runs, while loops a second apart vary together.
 */
export async function inProcess(
  keys: readonly string[],
  workloads: Workloads,
  ms: number,
  rounds = 5,
  /** Another tree's `createVerifier`, for before/after runs (`inprocess-only.ts`). */
  create: typeof createVerifier = createVerifier,
): Promise<LoopRow[]> {
  const baseline = new ShaMapBaseline(keys)
  const url = await seededStore(keys)
  // Default settings: the usage flush runs as in any long-running process (the loops yield every batch).
  // One verifier only: a second one in the process (the flush-deferred decomposition this table had)
  // doubled the cached entries and cost the first a tenth; `flush-ab.ts` measures the flush on its own.
  const v = await create({ databaseUrl: url })
  try {
    if ((await v.verify(keys[0]!)).code !== 'VALID')
      throw new Error('in-process verify of a population key is not VALID')
    for (const k of keys) await v.verify(k) // warm: steady state is what a long-running process sees
    const loops: Loop[] = [
      {
        loop: 'sha256 + Map (sync)',
        run: async (next, t) => ({ opsPerS: await syncOpsPerSecond(t, () => baseline.lookup(next())) }),
      },
      {
        // The awaited row's shape on the baseline's side: the same lookup answered through a resolved
        // promise that the loop awaits, so the two awaited rows differ only in the verifier's own work.
        loop: 'sha256 + Map, answered in a promise (awaited)',
        awaited: 'baseline',
        run: async (next, t) => ({ opsPerS: await opsPerSecond(t, () => Promise.resolve(baseline.lookup(next()))) }),
      },
      {
        loop: '`createVerifier().verify` (awaited)',
        awaited: 'verifier',
        run: async (next, t) => ({ opsPerS: await opsPerSecond(t, () => v.verify(next())) }),
      },
      { loop: '`verifySync`, else `await verify`', run: (next, t) => syncFirstLoop(v, next, t) },
    ]
    const rows: LoopRow[] = []
    for (const [name, w] of Object.entries(workloads)) {
      const next = predrawn(w)
      const runs: Measured[][] = loops.map(() => [])
      // Each round starts one loop later, so no loop always follows the same one (a verifier's
      // pending usage flush lands in whichever loop runs next).
      for (let r = 0; r < rounds; r++)
        for (let k = 0; k < loops.length; k++) {
          const i = (k + r) % loops.length
          runs[i]!.push(await loops[i]!.run(next, ms / rounds))
        }
      const awaitedBase = runs[loops.findIndex((l) => l.awaited === 'baseline')]!
      baseline.check(name, w.keys)
      for (const [i, l] of loops.entries()) {
        const measured = runs[i]!
        const shares = measured.flatMap((m) => (m.syncShare === undefined ? [] : [m.syncShare]))
        const over = (to: Measured[]) => summary(measured.map((m, r) => m.opsPerS / to[r]!.opsPerS))
        rows.push({
          loop: l.loop,
          workload: name,
          opsPerS: median(measured.map((m) => m.opsPerS)),
          ...(shares.length > 0 && { syncShare: median(shares) }),
          ...(i > 0 && { ratio: over(runs[0]!) }),
          ...(l.awaited === 'verifier' && { awaitedRatio: over(awaitedBase) }),
        })
      }
    }
    return rows
  } finally {
    await v.close()
  }
}
