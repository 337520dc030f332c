/**
 * In-process verification against its physical baseline, same population and
 * pickers: `sha256 + Map.get` (synchronous) vs `createVerifier().verify` (awaited,
 * one at a time) and, when the verifier has it, the synchronous `verifySync`.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeyward, loadConfig } from 'keyward'
import { createVerifier } from 'keyward/verifier'
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
async function seededStore(keys: readonly string[]): Promise<string> {
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

type Workloads = Record<string, { keys: readonly string[]; pick: Picker }>

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
  // Default config (cacheFallbackTtlMs 1 s on SQLite: every cached key is re-read once a second), then the
  // 1 h TTL as a labelled row: it lets a revoked key verify for up to an hour in the embedded process.
  const url = await seededStore(keys)
  for (const [label, ttl] of [
    ['', undefined],
    [', TTL 1 h (non-default)', 3_600_000],
  ] as const) {
    const v = await createVerifier({ databaseUrl: url, ...(ttl && { cacheFallbackTtlMs: ttl }) })
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
      const sync = (v as unknown as { verifySync?: (key: string) => unknown }).verifySync?.bind(v)
      if (sync) {
        for (const [name, w] of Object.entries(workloads)) {
          let answered = 0
          let calls = 0
          const answers = (r: unknown) => r != null && typeof (r as { then?: unknown }).then !== 'function'
          const rate = await syncOpsPerSecond(ms, () => (calls++, answers(sync(w.keys[w.pick()]!)) && answered++))
          rows.push({
            loop: '`verifySync` (sync fast path)',
            workload: name,
            opsPerS: rate,
            syncShare: answered / calls,
          })
        }
      }
    } finally {
      await v.close()
    }
  }
  return rows
}
