/**
 * A measurement, not a test: where the server's event-loop delay under full load comes from.
 *
 *   cd packages/keyward && node --conditions=keyward-source --import tsx test/perf/loop-delay.ts \
 *     [--connections=4,8,16,32,64] [--seconds=10] [--keys=10000]
 *
 * One server (`http-verify-server.ts`: SQLite, every key cached, info logging into /dev/null, the caller an
 * API key scoped `keys:verify`) is loaded by autocannon at each connection count in turn, every request
 * presenting one of the keys at random. Prints per count req/s, the client's p99, and the server's loop delay
 * (mean, p99, max of `monitorEventLoopDelay` at 2 ms, as the bench measures it) and its GC pauses.
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
const [seconds, keys] = [Number(flag('seconds', '10')), flag('keys', '10000')]

const child = fork(resolve('test/perf/http-verify-server.ts'), [resolve('.'), keys], {
  execArgv: ['--conditions=keyward-source', '--import', 'tsx', '--import', resolve('test/perf/loop-watch.ts')],
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
console.log('connections | req/s | client p99 ms | loop mean / p99 / max ms | GC pauses by kind: count, max, total ms')
for (const connections of counts) {
  child.send('loop-reset')
  const r = await load(connections, seconds)
  child.send('loop-stats')
  const { loop, gc } = (await next()) as { loop: Record<string, number>; gc: Record<string, Record<string, number>> }
  if (r.non2xx || r.errors) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`)
  const rps = (r['2xx'] / r.duration).toFixed(0)
  const delay = `${f(loop.mean!)} / ${f(loop.p99!)} / ${f(loop.max!)}`
  const pauses = Object.entries(gc).map(([k, g]) => `${KINDS[k] ?? k} ${g.n}, ${f(g.max!)}, ${f(g.total!)}`)
  console.log(`${connections} | ${rps} | ${r.latency.p99} | ${delay} | ${pauses.join('; ')}`)
}
child.send('stop')
