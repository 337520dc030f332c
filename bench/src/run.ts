/**
 * `npm run bench`: Keyward's verification against its physical baseline and a peer,
 * in one run, on loopback. Prints one Markdown table of absolute figures and ratios.
 * Bounded: about 3 minutes (BENCH_HTTP_S=10 s per HTTP target, BENCH_BIG_KEYS=1e6).
 * PostgreSQL rows need KEYWARD_BENCH_DATABASE_URL (or KEYWARD_TEST_DATABASE_URL).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { type Keyward, createKeyward, createVerifier, loadConfig } from 'keyward'
import { fillSqlite } from './fill.js'
import { type LoadResult, load, opsPerSecond, percentile, syncOpsPerSecond } from './measure.js'

const HTTP_S = Number(process.env.BENCH_HTTP_S ?? 10)
const CONNECTIONS = 64
const LOOP_MS = 2_000
const BIG = Number(process.env.BENCH_BIG_KEYS ?? 1_000_000)
const PG_URL = process.env.KEYWARD_BENCH_DATABASE_URL ?? process.env.KEYWARD_TEST_DATABASE_URL ?? null
const started = performance.now()

type Row = [what: string, figure: string, ratio: string, target: string]
const rows: Row[] = []
const notes: string[] = []
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const log = (s: string) => process.stderr.write(`[bench ${fmt((performance.now() - started) / 1000, 1)} s] ${s}\n`)

/** A Keyward on a fresh SQLite file, its admin session, and how to call it in-process. */
async function keywardOnSqlite(extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-'))
  const url = `sqlite:${join(dir, 'keyward.db')}`
  return { ...(await keywardOn(url, extraEnv)), path: join(dir, 'keyward.db') }
}

async function keywardOn(url: string, extraEnv: Record<string, string> = {}, bootstrap = true) {
  const kw = await createKeyward(loadConfig({ KEYWARD_DATABASE_URL: url, KEYWARD_LOG_LEVEL: 'silent', ...extraEnv }), { logger: false })
  if (bootstrap) await kw.services.users.bootstrapAdmin('bench@example.com', 'bench-password-1')
  const call = async (method: string, path: string, token: string | null, payload?: unknown) => {
    const r = await kw.app.inject({ method: method as 'POST', url: path, ...(payload !== undefined && { payload: payload as object }), headers: token ? { authorization: `Bearer ${token}` } : {} })
    return r.json()
  }
  const session: string = (await call('POST', '/v1/auth/login', null, { email: 'bench@example.com', password: 'bench-password-1' })).access_token
  return { kw, url, call, session }
}

async function freshPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kw_bench_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: PG_URL! })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const u = new URL(PG_URL!)
  u.pathname = `/${name}`
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL! })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

async function inProcess(): Promise<void> {
  log('in-process: baseline loop and cached verify')
  const k = await keywardOnSqlite()
  const key: string = (await k.call('POST', '/v1/keys', k.session, { name: 'customer' })).key
  const known = new Map([[createHash('sha256').update(key).digest('hex'), { id: 1 }]])
  const baseline = syncOpsPerSecond(LOOP_MS, () => known.get(createHash('sha256').update(key).digest('hex')))
  // A long fallback TTL: on SQLite an embedded verifier bounds cached entries by it (no bus reaches it).
  const v = await createVerifier({ databaseUrl: k.url, cacheFallbackTtlMs: 3_600_000 })
  if ((await v.verify(key)).code !== 'VALID') throw new Error('in-process verify is not VALID')
  const cached = await opsPerSecond(LOOP_MS, () => v.verify(key))
  rows.push(['baseline loop: sha256 + Map lookup (sync)', `${fmt(baseline)} /s`, '1.00×', ''])
  rows.push(['in-process verify, cache hit (`createVerifier`, awaited)', `${fmt(cached)} /s`, `${fmt(cached / baseline, 2)}× baseline`, '≥ 0.5×'])

  const cold = await createVerifier({ databaseUrl: k.url, cacheSize: 0 })
  const coldRate = await opsPerSecond(LOOP_MS, () => cold.verify(key), 16)
  rows.push(['cold verify, cache off, SQLite (16 concurrent)', `${fmt(coldRate)} /s`, `${fmt(coldRate / cached, 3)}× cached`, ''])
  await Promise.all([v.close(), cold.close(), k.kw.close()])
}

async function coldPostgres(): Promise<void> {
  log('cold verify on PostgreSQL')
  const db = await freshPgDatabase()
  const k = await keywardOn(db.url)
  try {
    const key: string = (await k.call('POST', '/v1/keys', k.session, { name: 'customer' })).key
    const cold = await createVerifier({ databaseUrl: db.url, cacheSize: 0 })
    const rate = await opsPerSecond(LOOP_MS, () => cold.verify(key), 16)
    rows.push(['cold verify, cache off, PostgreSQL (16 concurrent)', `${fmt(rate)} /s`, '', ''])
    await cold.close()
  } finally {
    await k.kw.close()
    await db.drop()
  }
}

async function revocationPropagation(): Promise<void> {
  log('3 nodes on PostgreSQL: revocation propagation x100')
  const db = await freshPgDatabase()
  const a = await keywardOn(db.url)
  const others: Keyward[] = []
  try {
    for (let i = 0; i < 2; i++) others.push(await createKeyward(loadConfig({ KEYWARD_DATABASE_URL: db.url, KEYWARD_LOG_LEVEL: 'silent' }), { logger: false }))
    // Each node records when a hash's eviction reaches it (after which it answers REVOKED).
    const arrivals = others.map(() => new Map<string, number>())
    others.forEach((n, i) => {
      const evict = n.services.cache.evict.bind(n.services.cache)
      n.services.cache.evict = (hashes) => {
        const t = performance.now()
        for (const h of hashes) arrivals[i]!.set(h, t)
        evict(hashes)
      }
    })
    const samples: number[] = []
    for (let i = 0; i < 100; i++) {
      const { key, api_key } = await a.call('POST', '/v1/keys', a.session, { name: `r${i}` })
      for (const n of others) if ((await n.services.verifier.verify(key)).code !== 'VALID') throw new Error('not cached as VALID')
      const hash = createHash('sha256').update(key).digest('hex')
      arrivals.forEach((m) => m.delete(hash))
      const t0 = performance.now()
      await a.call('POST', `/v1/keys/${api_key.id}/revoke`, a.session, {})
      while (!arrivals.every((m) => m.has(hash))) await new Promise((r) => setImmediate(r))
      for (const m of arrivals) samples.push(m.get(hash)! - t0)
      for (const n of others) if ((await n.services.verifier.verify(key)).code !== 'REVOKED') throw new Error('not REVOKED after eviction')
    }
    rows.push(['revocation on node A → evicted on B and C (200 samples), p50 / p99', `${fmt(percentile(samples, 50), 1)} / ${fmt(percentile(samples, 99), 1)} ms`, '', 'p99 ≤ 100 ms'])
  } finally {
    await Promise.all([a.kw.close(), ...others.map((n) => n.close())])
    await db.drop()
  }
}

/** Starts an HTTP target in its own process; resolves with its URL, body and headers. */
async function startTarget(kind: string): Promise<{ proc: ChildProcess; url: string; key: string; headers: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${kind}-`))
  const proc = spawn(process.execPath, ['--conditions=keyward-source', '--import', 'tsx', fileURLToPath(new URL('./targets.ts', import.meta.url)), kind, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout }).once('line', resolve)
    proc.once('exit', (code) => reject(new Error(`target ${kind} exited with ${code}`)))
  })
  const ready = JSON.parse(line) as { port: number; path: string; key: string; headers: Record<string, string> }
  return { proc, url: `http://127.0.0.1:${ready.port}${ready.path}`, key: ready.key, headers: ready.headers }
}

async function http(): Promise<void> {
  const results: Record<string, LoadResult> = {}
  for (const kind of ['bare', 'keyward', 'better-auth']) {
    log(`HTTP load: ${kind} (${CONNECTIONS} connections, ${HTTP_S} s)`)
    let t: Awaited<ReturnType<typeof startTarget>>
    try {
      t = await startTarget(kind)
    } catch (e) {
      notes.push(`${kind}: could not start (${(e as Error).message})`)
      continue
    }
    try {
      const check = (await (await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: JSON.stringify({ key: t.key }) })).json()) as { valid: boolean }
      if (!check.valid) throw new Error(`${kind} does not answer valid for its key`)
      results[kind] = await load(t.url, { key: t.key }, t.headers, CONNECTIONS, HTTP_S)
      if (results[kind].errors || results[kind].non2xx) notes.push(`${kind}: ${results[kind].errors} errors, ${results[kind].non2xx} non-2xx answers`)
    } finally {
      t.proc.kill('SIGTERM')
    }
  }
  const bare = results.bare
  const kwr = results.keyward
  const ba = results['better-auth']
  const row = (name: string, r: LoadResult | undefined, ratio: string, target: string): Row =>
    [name, r ? `${fmt(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms` : 'not run', ratio, target]
  rows.push(row('HTTP baseline: bare node:http, sha256 + Map', bare, '1.00×', ''))
  rows.push(row('HTTP `POST /v1/keys/verify` (Keyward, SQLite, cache hit)', kwr,
    kwr && bare ? `${fmt(kwr.rps / bare.rps, 2)}× req/s, p99 ${fmt(kwr.p99 / Math.max(bare.p99, 1), 2)}× baseline` : '', '≥ 0.6× req/s, p99 ≤ 2×'))
  rows.push(row('HTTP verify, better-auth 1.7.5 + @better-auth/api-key on SQLite', ba,
    kwr && ba ? `Keyward = ${fmt(kwr.rps / ba.rps, 1)}× better-auth` : '', '≥ 10×'))
}

async function scale(): Promise<void> {
  log(`10 k vs ${fmt(BIG)} keys on SQLite`)
  const k = await keywardOnSqlite()
  try {
    const owner = await k.call('POST', '/v1/users', k.session, { email: 'owner@example.com', password: 'owner-password-1' })
    const ownerSession: string = (await k.call('POST', '/v1/auth/login', null, { email: 'owner@example.com', password: 'owner-password-1' })).access_token
    const keys: string[] = []
    for (let i = 0; i < 100; i++) keys.push((await k.call('POST', '/v1/keys', ownerSession, { name: `own-${i}` })).key)
    const adminActor = (await k.call('GET', '/v1/auth/whoami', k.session)).actor.actor_id as number
    const measure = async () => {
      const cold = await createVerifier({ databaseUrl: k.url, cacheSize: 0 })
      let i = 0
      const rate = await opsPerSecond(LOOP_MS, () => cold.verify(keys[i++ % keys.length]!), 16)
      await cold.close()
      const lat: number[] = []
      for (let j = 0; j < 200; j++) {
        const t = performance.now()
        await k.call('GET', `/v1/keys?owner_id=${owner.id}&limit=100`, k.session)
        lat.push(performance.now() - t)
      }
      return { rate, p99: percentile(lat, 99) }
    }
    let t = performance.now()
    fillSqlite(k.path, adminActor, 10_000 - 100)
    const small = await measure()
    t = performance.now()
    fillSqlite(k.path, adminActor, BIG - 10_000)
    const fillS = (performance.now() - t) / 1000
    const big = await measure()
    rows.push(['10 k keys: cold verify (16 concurrent) / `GET /v1/keys?owner_id=` p99', `${fmt(small.rate)} /s / ${fmt(small.p99, 2)} ms`, '', ''])
    rows.push([`${fmt(BIG)} keys (bulk insert of ${fmt(BIG - 10_000)} in ${fmt(fillS, 1)} s): same`, `${fmt(big.rate)} /s / ${fmt(big.p99, 2)} ms`,
      `${fmt(big.rate / small.rate, 2)}× verify, ${fmt(big.p99 / small.p99, 2)}× list p99`, '≤ 10 % throughput loss'])
  } finally {
    await k.kw.close()
  }
}

await inProcess()
if (PG_URL) {
  await coldPostgres()
  await revocationPropagation()
} else {
  notes.push('PostgreSQL rows not run: set KEYWARD_BENCH_DATABASE_URL (or KEYWARD_TEST_DATABASE_URL).')
}
await http()
await scale()

const cpu = cpus()[0]?.model ?? 'unknown CPU'
console.log(`\nKeyward benchmark — ${new Date().toISOString()} — Node ${process.version}, ${cpus().length} × ${cpu}; total ${fmt((performance.now() - started) / 1000, 0)} s\n`)
console.log('| measurement | figure | ratio (same run) | target |')
console.log('|---|---|---|---|')
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
for (const n of notes) console.log(`\n- ${n}`)
process.exit(0)
