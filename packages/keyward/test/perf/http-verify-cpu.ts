/**
 * A measurement, not a test: the server's CPU per `POST /v1/keys/verify`, A/B across trees.
 *
 *   cd packages/keyward && node --conditions=keyward-source --import tsx test/perf/http-verify-cpu.ts \
 *     [--rounds=6] [--seconds=3] [--connections=32] [--keys=10000] [--flush-ms=<ms>] [--inject=<n>]
 *     [--prof=<dir>] <tree root>...
 *
 * Each tree root is a directory laid out like this package (`src/`, `test/perf/`): `.` for the
 * working tree, or a copy of another commit's (`git archive <commit> packages/keyward/src`, plus this
 * directory's `test/perf/`, under a directory whose parents reach the repository's node_modules).
 * Every tree runs as its own server process (`http-verify-server.ts`) over its own store of `keys`
 * keys; each round loads every server in turn (order alternating per round) with autocannon, each
 * request presenting one of the keys at random, the caller an API key scoped `keys:verify`. The
 * figure is the server process's CPU time (user + system) divided by the requests it answered, so
 * a shared machine slows the trees alike and the client's own cost is not counted. Prints per
 * tree the median µs/request and req/s over the rounds, every round's figures, and the median of
 * its ratio to the first tree in the same round (the paired figure: a round's load hits both alike).
 * `--flush-ms=<ms>`: the servers' usage flush interval (default theirs, 1 s). The flush writes about
 * one row per distinct key used, so its share per request falls as req/s rises: a long interval
 * leaves it out, for comparing the request path alone.
 * `--inject=<n>`: instead of autocannon, each server sends itself `n` requests per round through
 * Fastify's `inject` (no socket, kernel or HTTP parser: the app's own path plus inject's fixed cost,
 * much less noisy, for telling apart cuts of a few µs).
 * `--prof=<dir>`: server i writes a V8 CPU profile of its serving to `<dir>/<i>.cpuprofile` when it stops.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- autocannon ships no types; the bench's declaration is the one copy
/// <reference path="../../../../bench/src/autocannon.d.ts" />
import { type ChildProcess, fork } from 'node:child_process'
import { resolve } from 'node:path'
import autocannon from 'autocannon'

const flag = (name: string, dflt: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const [rounds, seconds, connections] = [
  Number(flag('rounds', '6')),
  Number(flag('seconds', '3')),
  Number(flag('connections', '32')),
]
const keys = flag('keys', '10000')
const flushMs = flag('flush-ms', '')
const injectN = Number(flag('inject', '0'))
const prof = process.argv.find((a) => a.startsWith('--prof='))?.slice('--prof='.length)
const trees = process.argv.slice(2).filter((a) => !a.startsWith('--'))
if (trees.length === 0) throw new Error('name at least one tree root (`.` for this one)')

interface Server {
  tree: string
  child: ChildProcess
  port: number
  caller: string
  bodies: string[]
  figures: { usPerReq: number; rps: number }[]
}

const next = (child: ChildProcess) => new Promise<any>((ok) => child.once('message', ok))

async function start(tree: string): Promise<Server> {
  const execArgv = ['--conditions=keyward-source', '--import', 'tsx']
  const profile = prof ? [resolve(prof, `${servers.length}.cpuprofile`)] : []
  const child = fork(resolve('test/perf/http-verify-server.ts'), [resolve(tree), keys, ...profile], {
    execArgv,
    env: { ...process.env, ...(flushMs && { KEYWARD_USAGE_FLUSH_MS: flushMs }) },
  })
  const { port, caller, secrets } = await next(child)
  return { tree, child, port, caller, bodies: (secrets as string[]).map((key) => JSON.stringify({ key })), figures: [] }
}

async function cpuOf(s: Server): Promise<number> {
  s.child.send('cpu')
  const { cpu } = await next(s.child)
  return cpu.user + cpu.system
}

/** `--inject=<n>`: `n` requests through Fastify's `inject` inside the server; req/s is not measured. */
async function injected(s: Server, n: number): Promise<{ usPerReq: number; rps: number }> {
  const cpu0 = await cpuOf(s)
  s.child.send({ inject: n })
  await next(s.child)
  return { usPerReq: ((await cpuOf(s)) - cpu0) / n, rps: NaN }
}

/** One load run against `s`; returns server µs per answered request and req/s. */
async function run(s: Server, durationS: number): Promise<{ usPerReq: number; rps: number }> {
  if (injectN) return injected(s, injectN)
  const cpu0 = await cpuOf(s)
  const r = await autocannon({
    url: `http://127.0.0.1:${s.port}/v1/keys/verify`,
    method: 'POST',
    connections,
    duration: durationS,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.caller}` },
    requests: [{ setupRequest: (req) => ((req.body = s.bodies[Math.floor(Math.random() * s.bodies.length)]!), req) }],
  })
  const cpu = (await cpuOf(s)) - cpu0
  if (r.non2xx || r.errors) throw new Error(`${s.tree}: ${r.non2xx} non-2xx, ${r.errors} errors`)
  return { usPerReq: cpu / r.requests.total, rps: r['2xx'] / r.duration }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const servers: Server[] = []
for (const tree of trees) servers.push(await start(tree))
for (const s of servers) await run(s, 2) // warm-up: JIT, and the cache filled with most keys
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? servers : [...servers].reverse()
  for (const s of order) s.figures.push(await run(s, seconds))
}
const base = servers[0]!.figures
for (const s of servers) {
  const us = s.figures.map((f) => f.usPerReq)
  const ratios = us.map((x, i) => x / base[i]!.usPerReq)
  const rps = s.figures.map((f) => f.rps)
  console.log(`${s.tree}: median ${median(us).toFixed(1)} µs/req, ${median(rps).toFixed(0)} req/s`)
  console.log(`  rounds (µs/req): ${us.map((x) => x.toFixed(1)).join(' ')}`)
  console.log(
    `  ÷ first tree, same round: median ${median(ratios).toFixed(3)} (${ratios.map((x) => x.toFixed(2)).join(' ')})`,
  )
}
for (const s of servers) {
  s.child.send('stop')
  await new Promise((ok) => s.child.once('exit', ok))
}
