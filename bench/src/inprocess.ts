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
import { opsPerSecond, syncOpsPerSecond } from './measure.js'
import type { Picker } from './population.js'
import { cloneSqlite, sha256Hex } from './seed.js'

/** One loop's figure. */
export interface LoopRow {
  loop: string
  workload: string
  opsPerS: number
  /** verifySync only: share of calls answered synchronously. */
  syncShare?: number
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

/**
 * `verifySync` as an application calls it: the synchronous answer when there is one, else
 * `await verify` (a miss, a limited key). Counting an `undefined` as an operation would
 * measure a cache probe, not a verification.
 */
async function syncFirstLoop(v: KeywardVerifier, name: string, w: Workload, ms: number): Promise<LoopRow> {
  let answered = 0
  let calls = 0
  const opsPerS = await opsPerSecond(ms, () => {
    const key = w.keys[w.pick()]!
    calls++
    if (v.verifySync(key) === undefined) return v.verify(key)
    answered++
  })
  return { loop: '`verifySync`, else `await verify`', workload: name, opsPerS, syncShare: answered / calls }
}

/** Runs every loop over every workload for `ms` each. */
export async function inProcess(keys: readonly string[], workloads: Workloads, ms: number): Promise<LoopRow[]> {
  const rows: LoopRow[] = []
  const known = new Map(keys.map((k, i) => [sha256Hex(k), { id: i + 1 }]))
  for (const [name, w] of Object.entries(workloads)) {
    rows.push({
      loop: 'sha256 + Map (sync)',
      workload: name,
      opsPerS: await syncOpsPerSecond(ms, () => known.get(sha256Hex(w.keys[w.pick()]!))),
    })
  }
  // Default settings. The usage flush runs as in any long-running process (the loops yield every batch):
  // at 10,000 distinct keys a second it writes about as many `last_used_at` and counter rows each second.
  // The second, labelled pass defers the flush past the run: not a setting to use, it shows what the flush
  // costs (a loop that never yields, like test/perf/verify-ops.ts, measures this figure without knowing it).
  const url = await seededStore(keys)
  for (const [label, usageFlushMs] of [
    ['', undefined],
    [', usage flush deferred (decomposition, not a setting)', 3_600_000],
  ] as const) {
    const v = await createVerifier({ databaseUrl: url, ...(usageFlushMs && { usageFlushMs }) })
    try {
      if ((await v.verify(keys[0]!)).code !== 'VALID')
        throw new Error('in-process verify of a population key is not VALID')
      for (const k of keys) await v.verify(k) // warm: steady state is what a long-running process sees
      for (const [name, w] of Object.entries(workloads)) {
        rows.push({
          loop: `\`createVerifier().verify\` (awaited${label})`,
          workload: name,
          opsPerS: await opsPerSecond(ms, () => v.verify(w.keys[w.pick()]!)),
        })
      }
      if (label) continue
      for (const [name, w] of Object.entries(workloads)) rows.push(await syncFirstLoop(v, name, w, ms))
    } finally {
      await v.close()
    }
  }
  return rows
}
