/**
 * A measurement, not a test: where the server's event-loop delay under full load comes from.
 *
 *   cd packages/keyward && node --conditions=keyward-source --import tsx test/perf/loop-delay.ts \
 *     [--connections=4,8,16,32,64] [--seconds=10] [--keys=10000] [--repeat=2] [--log=info] [--node=<flags>]
 *
 * `--log` is the server's log level (`silent` takes the per-request access log out); `--node` adds
 * comma-separated flags to the server's node (e.g. `--max-semi-space-size=32`), and
 * `KEYWARD_USAGE_FLUSH_MS` reaches the server (60000: no usage flush inside a 10 s run), so the
 * sources of the loop's delay can be taken out one at a time.
 *
 * One server (`http-verify-server.ts`: SQLite, every key cached, info logging into /dev/null, the caller an
 * API key scoped `keys:verify`; its TypeScript under tsx, not the built `dist/` the bench runs) is loaded
 * by autocannon at each connection count, `repeat` times in a fresh random order each (so a count is not
 * tied to the server's age or heap), every request presenting one of the keys at random. The client
 * shares the machine's cores. Prints per count req/s, the client's p99, and the server's loop delay
 * (mean, p99, max of `monitorEventLoopDelay` at 2 ms, as the bench measures it), its GC pauses, and its
 * long turns (`loop-watch.ts`: over 5 ms; how many overlapped a GC pause; the longest with and without one,
 * and the process's CPU during the longest without).
 * At saturation one turn of the loop answers every connection whose request is ready, so the delay follows
 * connections × CPU per request, which a connection sweep at the same req/s shows.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- autocannon ships no types; the bench's declaration is the one copy
/// <reference path="../../../../bench/src/autocannon.d.ts" />
import { fork } from 'node:child_process'
import { resolve } from 'node:path'
import autocannon from 'autocannon'

const flag = (name: string, dflt: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt
const counts = flag('connections', '4,8,16,32,64').split(',').map(Number)
const [seconds, keys, repeat] = [Number(flag('seconds', '10')), flag('keys', '10000'), Number(flag('repeat', '2'))]
const nodeFlags = flag('node', '').split(',').filter(Boolean)

const child = fork(resolve('test/perf/http-verify-server.ts'), [resolve('.'), keys], {
  execArgv: [
    ...nodeFlags,
    '--conditions=keyward-source',
    '--import',
    'tsx',
    '--import',
    resolve('test/perf/loop-watch.ts'),
  ],
  env: { ...process.env, LOOP_LOG_LEVEL: flag('log', 'info') },
})
const next = () => new Promise<any>((ok) => child.once('message', ok))
const { port, caller, secrets } = await next()
const bodies = (secrets as string[]).map((key) => JSON.stringify({ key }))

const load = (connections: number, duration: number) =>
  autocannon({
    url: `http://127.0.0.1:${port}/v1/keys/verify`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${caller}` },
    requests: [{ setupRequest: (req) => ((req.body = bodies[Math.floor(Math.random() * bodies.length)]!), req) }],
  })

await load(Math.max(...counts), 2) // warm-up: JIT
const f = (x: number) => x.toFixed(1)
const KINDS: Record<string, string> = { 1: 'minor', 4: 'major', 8: 'incremental', 16: 'weak' }
const shuffled = <T>(xs: T[]) =>
  xs
    .map((x) => [Math.random(), x] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, x]) => x)
const order = Array.from({ length: repeat }, () => shuffled(counts)).flat()
console.log(
  'connections | req/s | client p99 ms | loop mean / p99 / max ms | GC pauses by kind: count, max, total ms | ' +
    'turns > 5 ms: count, with GC; longest with GC; longest without (CPU ms during it)',
)
for (const connections of order) {
  child.send('loop-reset')
  const r = await load(connections, seconds)
  child.send('loop-stats')
  const { loop, gc, turns } = (await next()) as Stats
  if (r.non2xx || r.errors) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`)
  const rps = (r['2xx'] / r.duration).toFixed(0)
  const delay = `${f(loop.mean)} / ${f(loop.p99)} / ${f(loop.max)}`
  const pauses = Object.entries(gc).map(([k, g]) => `${KINDS[k] ?? k} ${g.n}, ${f(g.max)}, ${f(g.total)}`)
  const long = `${turns.n}, ${turns.withGc}; ${f(turns.maxWith)}; ${f(turns.maxWithout)} (${f(turns.cpuWithout)})`
  console.log(`${connections} | ${rps} | ${r.latency.p99} | ${delay} | ${pauses.join('; ')} | ${long}`)
}
child.send('stop')

interface Stats {
  loop: { mean: number; p99: number; max: number }
  gc: Record<string, { n: number; max: number; total: number }>
  turns: { n: number; withGc: number; maxWith: number; maxWithout: number; cpuWithout: number }
}
