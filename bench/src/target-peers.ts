/**
 * The two non-Keyward targets: the physical baseline and the peer. Both answer
 * the same request shape as `POST /v1/keys/verify`: JSON body `{ key }` in, JSON verdict out.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Started, TargetSpec } from './protocol.js'
import { cloneSqlite, sha256Hex } from './seed.js'

/** The population file's keys. */
export function readKeys(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean)
}

/** The body via 'data'/'end' listeners, as Fastify reads it (\`for await\` over the request costs an async iterator per request). */
function readJson(req: IncomingMessage): Promise<{ key?: unknown }> {
  return new Promise((resolve) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (raw += chunk))
    req.on('end', () => {
      try {
        resolve(JSON.parse(raw) as { key?: unknown })
      } catch {
        resolve({})
      }
    })
  })
}

function answer(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** Serves `verify` over node:http on loopback. */
async function serve(verify: (key: string) => unknown, seedS: number): Promise<Started> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const { key } = await readJson(req)
    answer(res, await verify(typeof key === 'string' ? key : ''))
  }
  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    ready: { port, path: '/verify', headers: {}, seedS },
    close: () => new Promise((r) => server.close(() => r())),
  }
}

/** The physical baseline over HTTP: parse the body, sha256 of the key, a Map lookup, a JSON answer. */
export async function startBare(spec: TargetSpec): Promise<Started> {
  const t = performance.now()
  const known = new Map(readKeys(spec.keysFile).map((k, i) => [sha256Hex(k), { id: i + 1 }]))
  const seedS = (performance.now() - t) / 1000
  return serve((key) => {
    const found = known.get(sha256Hex(key))
    return found ? { valid: true, code: 'VALID', key_id: found.id } : { valid: false, code: 'NOT_FOUND' }
  }, seedS)
}

/**
 * better-auth + @better-auth/api-key as their docs set them up (`apiKey()` with the
 * default database storage; `npx auth migrate`, here `runMigrations`), on better-sqlite3
 * in WAL mode like Keyward's SQLite. `verifyApiKey` is server-only, so the app exposes it
 * over node:http. Keys have no rate limit, like Keyward's; the population is cloned from
 * one key the API created, each row holding the plugin's own hash of its plaintext.
 */
export async function startBetterAuth(spec: TargetSpec): Promise<Started> {
  const { betterAuth } = await import('better-auth')
  const { getMigrations } = await import('better-auth/db/migration')
  const { apiKey, defaultKeyHasher } = await import('@better-auth/api-key')
  const { default: Database } = await import('better-sqlite3')
  const path = join(spec.dir, 'better-auth.db')
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  const auth = betterAuth({
    database: db,
    secret: 'bench-secret-bench-secret-bench-secret-0123',
    baseURL: 'http://127.0.0.1',
    emailAndPassword: { enabled: true },
    plugins: [apiKey()],
    logger: { disabled: true },
    telemetry: { enabled: false },
  })
  await (await getMigrations(auth.options)).runMigrations()
  const { user } = await auth.api.signUpEmail({
    body: { email: 'bench@example.com', password: 'bench-password-1', name: 'bench' },
  })
  const template = await auth.api.createApiKey({ body: { userId: user.id, name: 'template', rateLimitEnabled: false } })
  const t = performance.now()
  const keys = readKeys(spec.keysFile)
  const hashes = await Promise.all(keys.map((k) => defaultKeyHasher(k)))
  cloneSqlite(
    path,
    { table: 'apikey', id: 'id', columns: { hash: 'key', prefix: 'start', name: 'name' }, newId: randomUUID },
    template.id,
    keys.map((k, i) => ({ hash: hashes[i]!, prefix: k.slice(0, 6), name: `pop-${i}` })),
  )
  const seedS = (performance.now() - t) / 1000
  return serve(async (key) => {
    const r = await auth.api.verifyApiKey({ body: { key } })
    return { valid: r.valid, key_id: r.key?.id }
  }, seedS)
}
