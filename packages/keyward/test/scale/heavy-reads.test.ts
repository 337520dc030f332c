import assert from 'node:assert/strict'
import { availableParallelism, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { after, before, describe, it } from 'node:test'
import { openStore } from '../../src/store/database.js'
import { ADMIN, STORES, freshDatabase } from '../helpers.js'
import { bulkInsertKeys } from './bulk-keys.js'
import { type Served, serve } from './spawn-server.js'

/** The requests that stalled a node before the read pool: each must answer 2xx/4xx within 5 s. */
const contains120 = Array.from({ length: 120 }, (_, i) => `contains(name,'zq${i}')`).join(' or ')
const ADVERSARIAL: [
  what: string,
  path: string,
  as?: 'admin' | 'member',
  check?: (status: number, body: string) => void,
][] = [
  [
    'OData lambda over every key of every actor',
    `/v7/api_key?$filter=is_of__actor/any(a:a/api_key/any(k:contains(k/name,'zz')))&$top=1`,
  ],
  ['120 contains terms joined by or', `/v7/api_key?$filter=${contains120}&$top=10`],
  ['native search with no match', '/v1/keys?q=zzz'],
  ['native search with no match over all 100,000 keys (admin)', '/v1/keys?q=zzz', 'admin'],
  ['a scope no key holds (every key parsed)', '/v1/keys?scope=zzz:none'],
  ['a scope no key holds, over all 100,000 keys (admin)', '/v1/keys?scope=zzz:none', 'admin'],
  ['$count with a contains filter', `/v7/api_key/$count?$filter=contains(description,'zz')`],
  ['$orderby on an unindexed column', '/v7/api_key?$orderby=description desc&$top=10'],
  ['huge $skip', '/v7/api_key?$skip=2000000000&$top=10'],
  [
    // Paged per parent in SQL: 2 rows leave the database, not the owner's 20,000 (a 400 "answer too large" before).
    'deep $expand through the owner back to its keys, one per owner',
    '/v7/api_key?$top=2&$expand=is_of__actor($expand=api_key($top=1))',
    'member',
    (status, body) => {
      assert.equal(status, 200, body.slice(0, 300))
      const keys = (JSON.parse(body) as { d: { is_of__actor: { api_key: unknown[] }[] }[] }).d
      assert.deepEqual(
        keys.map((k) => k.is_of__actor.map((a) => a.api_key.length)),
        [[1], [1]],
      )
    },
  ],
]

/** How long each adversarial request is sent over and over while the verification stream runs. */
const ADVERSARY_MS = 1_000

/** Verifies one key over and over (one request in flight) until stopped; resolves with each latency in ms. */
function verifyStream(base: string, token: string, key: string): { stop(): Promise<number[]> } {
  const latencies: number[] = []
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now()
      const r = await fetch(`${base}/v1/keys/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key }),
      })
      const body = (await r.json()) as { valid: boolean }
      latencies.push(performance.now() - t0)
      assert.equal(body.valid, true)
    }
  })()
  return {
    stop: async () => {
      stopped = true
      await loop
      return latencies
    },
  }
}

/** The slowest of the verifications made in a second with nothing else running: what the machine allows. */
async function verifyAlone(base: string, token: string, key: string): Promise<number> {
  const stream = verifyStream(base, token, key)
  await new Promise((r) => setTimeout(r, ADVERSARY_MS))
  return Math.max(...(await stream.stop()))
}

/**
 * 50 ms, the target, on a quiet machine: load average below the core count and verifications
 * alone under 15 ms. On a loaded one (a shared runner: 2 cores, load average 10–20, where
 * verifications alone took up to 340 ms, and a quiet second alone proves little) scheduling noise
 * dominates, and the bound is what still separates a free event loop from a blocked one: 250 ms or
 * three times the quiet maximum. A heavy read on the event loop held verifications for its whole
 * run: 2 to 43 s.
 */
const latencyBound = (alone: number): number =>
  alone <= 15 && loadavg()[0]! < availableParallelism() ? 50 : Math.max(250, 3 * alone)

/** A JSON call to the served node; throws on a status ≥ 300 (set-up only). */
async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const json = await r.json()
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`)
  return json
}

async function login(base: string, email: string, password: string): Promise<string> {
  return (await call(base, 'POST', '/v1/auth/login', undefined, { email, password })).access_token
}

async function member(base: string, admin: string, name: string): Promise<{ actorId: number; token: string }> {
  const [email, password] = [`${name}@example.com`, `${name}-password-1`]
  const u = await call(base, 'POST', '/v1/users', admin, { email, password })
  return { actorId: u.actor_id, token: await login(base, email, password) }
}

/** Sends one request over and over for `ms` (at least once); resolves with each status, body and duration. */
async function adversary(url: string, token: string, ms: number) {
  const answers: { status: number; body: string; took: number }[] = []
  for (const t0 = performance.now(); answers.length === 0 || performance.now() - t0 < ms;) {
    const t = performance.now()
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    answers.push({ status: res.status, body: await res.text(), took: performance.now() - t })
  }
  return answers
}

for (const store of STORES) {
  // The node runs in its own process (`keyward serve`), as in production: the verification stream
  // and the adversary measure the server's event loop, not the test runner's.
  describe(`heavy reads never stall verification (${store}, 100,000 keys, keyward serve)`, () => {
    let db: Awaited<ReturnType<typeof freshDatabase>>
    let node: Served
    let memberToken: string
    let adminToken: string
    let other: { token: string; key: string }
    before(async () => {
      db = await freshDatabase(store)
      node = await serve(db.url)
      const base = node.base
      adminToken = await login(base, ADMIN.email, ADMIN.password)
      const heavy = await member(base, adminToken, 'heavy')
      const o = await member(base, adminToken, 'other')
      other = { token: o.token, key: (await call(base, 'POST', '/v1/keys', o.token, { name: 'verified' })).key }
      memberToken = heavy.token
      const bulk = await member(base, adminToken, 'bulk')
      // Its own connection, without the server's statement budget: loading 100,000 rows is not a request.
      const loader = openStore(db.url)
      try {
        await bulkInsertKeys(loader, heavy.actorId, 20_000, 'heavy')
        await bulkInsertKeys(loader, bulk.actorId, 80_000, 'bulk')
      } finally {
        await loader.close()
      }
      // Warm the other tenant's verification path (session and key cached), and start both readers, before measuring.
      await verifyStream(base, other.token, other.key).stop()
      await Promise.all(
        [1, 2].map(() => fetch(`${base}/v1/keys?limit=1`, { headers: { authorization: `Bearer ${memberToken}` } })),
      )
    })
    after(async () => {
      node?.proc.kill('SIGTERM')
      await node?.exited
      await db?.drop()
    })

    for (const [what, path, as, check] of ADVERSARIAL) {
      it(`${what}: answers 2xx/4xx within 5 s, sent for ${ADVERSARY_MS} ms while another tenant's verifications stay under 50 ms`, async (t) => {
        // Up to three attempts for the latency bound: a blocked event loop (what this guards against:
        // a heavy read on the loop held verifications 2 to 43 s) fails every one; a scheduling spike on
        // a 2-core machine shared by PostgreSQL, the server and this test's clients rarely repeats
        // (PostgreSQL `$count` with `contains`: 50.1 ms against the 50 ms bound once in CI, Node 24;
        // the admin's search over 100,000 keys before PostgreSQL's statistics exist, which scans them
        // all on PostgreSQL's own core: 67.4 then 51.1 ms once, 2026-12-01, passing alone after).
        const attempts: { max: number; bound: number }[] = []
        for (let i = 0; i < 3 && !attempts.some((a) => a.max <= a.bound); i++) {
          const alone = await verifyAlone(node.base, other.token, other.key)
          const bound = latencyBound(alone)
          const stream = verifyStream(node.base, other.token, other.key)
          const answers = await adversary(node.base + path, as === 'admin' ? adminToken : memberToken, ADVERSARY_MS)
          const latencies = await stream.stop()
          const max = Math.max(...latencies)
          const slowest = Math.max(...answers.map((a) => a.took))
          t.diagnostic(
            `${answers.length} × ${answers[0]!.status}, slowest ${slowest.toFixed(0)} ms; ${latencies.length} verifications meanwhile, max ${max.toFixed(1)} ms (alone: max ${alone.toFixed(1)} ms; load ${loadavg()[0]!.toFixed(1)}; bound ${bound.toFixed(0)} ms)`,
          )
          for (const a of answers) {
            assert.ok(a.status >= 200 && a.status < 500, `status ${a.status}: ${a.body.slice(0, 300)}`)
            check?.(a.status, a.body)
          }
          assert.ok(slowest < 5_000, `took ${slowest} ms`)
          assert.ok(latencies.length >= 10, 'the verification stream ran throughout')
          attempts.push({ max, bound })
        }
        assert.ok(
          attempts.some((a) => a.max <= a.bound),
          `a verification took longer than the bound in every attempt: ${attempts.map((a) => `${a.max.toFixed(1)} ms (bound ${a.bound} ms)`).join(', ')}`,
        )
      })
    }
  })
}
