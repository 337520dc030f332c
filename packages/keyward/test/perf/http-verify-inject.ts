/**
 * A measurement, not a test: CPU per `POST /v1/keys/verify` through Fastify's `inject` (no
 * sockets), A/B across trees in one process.
 *
 *   cd packages/keyward && node --conditions=keyward-source --import tsx test/perf/http-verify-inject.ts \
 *     [--rounds=15] [--requests=4000] [--keys=10000] <tree root>...
 *
 * Tree roots as for `http-verify-cpu.ts`. Each tree's server (info logging into /dev/null, the keys
 * all cached, the caller an API key scoped `keys:verify`) lives in this process; each round sends
 * `requests` verifications (32 in flight, keys picked at random) to every tree in turn, order
 * alternating, and counts the process's CPU time per request. No kernel, network or HTTP parser
 * cost, so the figure is the app's own path (hooks, logging, metrics, auth, verify,
 * serialisation) plus `inject`'s fixed cost: far less noisy than the socket harness, for telling
 * apart cuts of a few µs. Prints per tree the median µs/request and the median ratio to the first
 * tree in the same round.
 */
import { createWriteStream } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Keyward } from '../../src/server.js'

const flag = (name: string, dflt: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const [rounds, requests, keys] = [
  Number(flag('rounds', '15')),
  Number(flag('requests', '4000')),
  Number(flag('keys', '10000')),
]
const trees = process.argv.slice(2).filter((a) => !a.startsWith('--'))
if (trees.length === 0) throw new Error('name at least one tree root (`.` for this one)')

interface Tree {
  root: string
  kw: Keyward
  headers: Record<string, string>
  bodies: string[]
  us: number[]
}

async function open(root: string): Promise<Tree> {
  const url = pathToFileURL(join(resolve(root), 'test/perf/fill-keys.ts')).href
  const { fillServer } = (await import(url)) as typeof import('./fill-keys.js')
  const logger = { level: 'info', stream: createWriteStream('/dev/null') }
  const env = { KEYWARD_LOG_LEVEL: 'info', KEYWARD_USAGE_FLUSH_MS: '60000' }
  const { kw, secrets } = await fillServer(keys, env, { logger, dashboardDir: false })
  const post = (path: string, payload: object, token?: string) =>
    kw.app.inject({ method: 'POST', url: path, payload, headers: token ? { authorization: `Bearer ${token}` } : {} })
  const login = await post('/v1/auth/login', { email: 'perf@example.com', password: 'perf-password-1' })
  const session = login.json<{ access_token: string }>().access_token
  const caller = (await post('/v1/keys', { name: 'gateway', scopes: ['keys:verify'] }, session)).json<{ key: string }>()
  for (const key of secrets) await kw.services.verifier.verify(key)
  const headers = { authorization: `Bearer ${caller.key}`, 'content-type': 'application/json' }
  return { root, kw, headers, bodies: secrets.map((key) => JSON.stringify({ key })), us: [] }
}

/** `n` verifications, 32 in flight; returns CPU µs per request. */
async function run(t: Tree, n: number): Promise<number> {
  const cpu0 = process.cpuUsage()
  let sent = 0
  const worker = async () => {
    while (sent < n) {
      sent++
      const body = t.bodies[Math.floor(Math.random() * t.bodies.length)]!
      const r = await t.kw.app.inject({ method: 'POST', url: '/v1/keys/verify', headers: t.headers, payload: body })
      if (r.statusCode !== 200) throw new Error(`${t.root}: ${r.statusCode} ${r.body}`)
    }
  }
  await Promise.all(Array.from({ length: 32 }, worker))
  const cpu = process.cpuUsage(cpu0)
  return (cpu.user + cpu.system) / n
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const opened: Tree[] = []
for (const root of trees) opened.push(await open(root))
for (const t of opened) await run(t, requests) // warm-up
for (let round = 0; round < rounds; round++)
  for (const t of round % 2 === 0 ? opened : [...opened].reverse()) t.us.push(await run(t, requests))
for (const t of opened) {
  const ratios = t.us.map((x, i) => x / opened[0]!.us[i]!)
  console.log(
    `${t.root}: median ${median(t.us).toFixed(2)} µs/req; ÷ first tree, same round: median ${median(ratios).toFixed(3)}`,
  )
  console.log(`  rounds: ${t.us.map((x) => x.toFixed(1)).join(' ')}`)
}
for (const t of opened) await t.kw.close()
