/**
 * The server half of `http-verify-cpu.ts` (a measurement, not a test), one child process per tree:
 *
 *   node --conditions=keyward-source --import tsx test/perf/http-verify-server.ts <tree root> <keys> [profile]
 *
 * Imports the Keyward under `<tree root>` (this package's directory, or a copy of another commit's),
 * fills a SQLite store with `<keys>` keys, logs like `keyward serve` (info level, into /dev/null),
 * verifies every key once (all cached), creates a caller key scoped `keys:verify`, listens on loopback and tells its parent over IPC
 * (port, caller key, the keys' secrets). It then answers each `'cpu'` message with its own
 * `process.cpuUsage()`: the parent divides that by the requests answered. `{inject: n}` makes it
 * send itself `n` verifications through Fastify's `inject` (no socket) and answer `{injected: n}`. With a third argument it
 * writes a V8 CPU profile of the serving (not the fill) to that file when stopped.
 */
import { createWriteStream, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [root, count, profile] = [process.argv[2]!, Number(process.argv[3] ?? 10_000), process.argv[4]]
const from = (file: string) => import(pathToFileURL(join(root, file)).href)
const { fillServer } = (await from('test/perf/fill-keys.ts')) as typeof import('./fill-keys.js')
const flushMs = process.env.KEYWARD_USAGE_FLUSH_MS
const flushEnv: Record<string, string> = flushMs ? { KEYWARD_USAGE_FLUSH_MS: flushMs } : {}
const level = process.env.LOOP_LOG_LEVEL ?? 'info' // `loop-delay.ts --log`
const logger = { level, stream: createWriteStream('/dev/null') }
const { kw, secrets } = await fillServer(
  count,
  { KEYWARD_LOG_LEVEL: level, ...flushEnv },
  { logger, dashboardDir: false },
)
const post = (url: string, payload: object, token?: string) =>
  kw.app.inject({ method: 'POST', url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} })
const login = await post('/v1/auth/login', { email: 'perf@example.com', password: 'perf-password-1' })
const session = login.json<{ access_token: string }>().access_token
const created = await post('/v1/keys', { name: 'gateway', scopes: ['keys:verify'] }, session)
for (const key of secrets) await kw.services.verifier.verify(key) // every key cached, as in a long-running server
await kw.services.usage.flush()
await kw.app.listen({ host: '127.0.0.1', port: 0 })
const port = (kw.app.server.address() as AddressInfo).port
process.send!({ port, caller: created.json<{ key: string }>().key, secrets })

// Profiles only the serving, not the fill.
const profiler = profile ? new Session() : undefined
if (profiler) {
  profiler.connect()
  await profiler.post('Profiler.enable')
  await profiler.post('Profiler.start')
}
async function stop(): Promise<void> {
  if (profiler) writeFileSync(profile!, JSON.stringify((await profiler.post('Profiler.stop')).profile))
  await kw.close()
  process.exit(0)
}
const caller = { authorization: `Bearer ${created.json<{ key: string }>().key}`, 'content-type': 'application/json' }
const bodies = secrets.map((key) => JSON.stringify({ key }))

/** `n` verifications through `inject` (no socket), 32 in flight, keys at random. */
async function inject(n: number): Promise<void> {
  let sent = 0
  const worker = async () => {
    for (; sent < n; sent++) {
      const payload = bodies[Math.floor(Math.random() * bodies.length)]!
      const r = await kw.app.inject({ method: 'POST', url: '/v1/keys/verify', headers: caller, payload })
      if (r.statusCode !== 200) throw new Error(`${r.statusCode} ${r.body}`)
    }
  }
  await Promise.all(Array.from({ length: 32 }, worker))
}

process.on('message', (m: string | { inject: number }) => {
  if (m === 'cpu') process.send!({ cpu: process.cpuUsage() })
  if (m === 'stop') void stop()
  if (typeof m === 'object') void inject(m.inject).then(() => process.send!({ injected: m.inject }))
})
