/**
 * HTTP servers under load, each run in a child process of its own so the load
 * generator does not share their event loop: `node --import tsx targets.ts <kind> <dir>`.
 * Prints one JSON line `{ port, url, key, headers }` when listening.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createKeyward, loadConfig } from 'keyward'

type Ready = { port: number; path: string; key: string; headers: Record<string, string> }

async function readJson(req: IncomingMessage): Promise<{ key?: string }> {
  let raw = ''
  for await (const chunk of req) raw += chunk
  return JSON.parse(raw) as { key?: string }
}

/** The physical baseline over HTTP: sha256 of the key and a Map lookup. */
async function bare(): Promise<Ready> {
  const key = 'kw_' + 'A'.repeat(49)
  const known = new Map([[createHash('sha256').update(key).digest('hex'), { id: 1 }]])
  const server = createServer((req, res) => void readJson(req).then(({ key: k = '' }) => {
    const found = known.get(createHash('sha256').update(k).digest('hex'))
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ valid: found !== undefined, key_id: found?.id }))
  }))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { port: (server.address() as AddressInfo).port, path: '/verify', key, headers: {} }
}

/** Keyward on SQLite; the caller authenticates with an API key scoped `keys:verify` (cached too). */
async function keyward(dir: string): Promise<Ready> {
  const config = loadConfig({ KEYWARD_DATABASE_URL: `sqlite:${join(dir, 'keyward.db')}`, KEYWARD_LOG_LEVEL: 'silent', KEYWARD_PORT: '0' })
  const kw = await createKeyward(config, { logger: false })
  await kw.services.users.bootstrapAdmin('bench@example.com', 'bench-password-1')
  const inject = async (url: string, token: string | null, payload: unknown) =>
    (await kw.app.inject({ method: 'POST', url, payload: payload as object, headers: token ? { authorization: `Bearer ${token}` } : {} })).json()
  const session = (await inject('/v1/auth/login', null, { email: 'bench@example.com', password: 'bench-password-1' })).access_token
  const caller = (await inject('/v1/keys', session, { name: 'gateway', scopes: ['keys:verify'] })).key
  const key = (await inject('/v1/keys', session, { name: 'customer' })).key
  await kw.app.listen({ host: '127.0.0.1', port: 0 })
  return { port: (kw.app.server.address() as AddressInfo).port, path: '/v1/keys/verify', key, headers: { authorization: `Bearer ${caller}` } }
}

/** better-auth + @better-auth/api-key on SQLite; verifyApiKey is server-only, so an app exposes it like this. */
async function betterAuth(dir: string): Promise<Ready> {
  const { betterAuth: create } = await import('better-auth')
  const { getMigrations } = await import('better-auth/db/migration')
  const { apiKey } = await import('@better-auth/api-key')
  const { default: Database } = await import('better-sqlite3')
  const options = {
    database: new Database(join(dir, 'better-auth.db')),
    secret: 'bench-secret-bench-secret-bench-secret-0123',
    baseURL: 'http://127.0.0.1',
    emailAndPassword: { enabled: true },
    plugins: [apiKey()],
    logger: { disabled: true },
    telemetry: { enabled: false },
  }
  const auth = create(options)
  const { runMigrations } = await getMigrations(auth.options)
  await runMigrations()
  const { user } = await auth.api.signUpEmail({ body: { email: 'bench@example.com', password: 'bench-password-1', name: 'bench' } })
  // Same conditions as Keyward's key: no rate limit.
  const created = await auth.api.createApiKey({ body: { userId: user.id, name: 'customer', rateLimitEnabled: false } })
  const server = createServer((req, res) => void (async () => {
    const { key = '' } = await readJson(req)
    const r = await auth.api.verifyApiKey({ body: { key } })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ valid: r.valid, key_id: r.key?.id }))
  })())
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { port: (server.address() as AddressInfo).port, path: '/verify', key: created.key, headers: {} }
}

const [kind, dir] = process.argv.slice(2) as [string, string]
const start = { bare, keyward, 'better-auth': betterAuth }[kind]
if (!start) throw new Error(`unknown target ${kind}`)
process.stdout.write(JSON.stringify(await start(dir)) + '\n')
