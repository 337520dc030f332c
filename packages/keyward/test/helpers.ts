import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before } from 'node:test'
import pg from 'pg'
import { type Config, loadConfig } from '../src/config.js'
import type { Clock } from '../src/core/clock.js'
import { type Keyward, createKeyward } from '../src/server.js'

export type StoreKind = 'sqlite' | 'postgres'

/** The stores every service and HTTP suite runs on: SQLite always, PostgreSQL when CI gives one. */
export const STORES: StoreKind[] = process.env.KEYWARD_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite']

/** A fresh, empty database URL of the given kind, and how to drop it. */
export async function freshDatabase(kind: StoreKind): Promise<{ url: string; drop: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-test-'))
    return { url: `sqlite:${join(dir, 'keyward.db')}`, drop: async () => {} }
  }
  const base = process.env.KEYWARD_TEST_DATABASE_URL!
  const name = `kw_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(base)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

export interface Response {
  status: number
  headers: Record<string, unknown>
  body: any
  text: string
}

export const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' }

/**
 * Test servers hash passwords at scrypt N=2^14 (16 MiB, ~50 ms on a server core; ~190 ms on this CI box)
 * instead of production's 2^17 (~2 s here), through config as any deployment could: suites create
 * hundreds of users. A suite's own env wins; `test/security/password-hash.test.ts` checks the production cost.
 */
const FAST_PASSWORDS = { KEYWARD_PASSWORD_SCRYPT_N: '16384' }

/** A Keyward server on a fresh database, driven with `app.inject()`, with its first admin created. */
export class TestServer {
  private constructor(
    readonly kw: Keyward,
    readonly config: Config,
    private readonly dropDb: () => Promise<void>,
  ) {}

  static async start(kind: StoreKind, opts: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TestServer> {
    const db = await freshDatabase(kind)
    const config = loadConfig({
      KEYWARD_DATABASE_URL: db.url,
      KEYWARD_LOG_LEVEL: 'silent',
      ...FAST_PASSWORDS,
      ...opts.env,
    })
    const kw = await createKeyward(config, { clock: opts.clock, logger: false })
    await kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)
    return new TestServer(kw, config, db.drop)
  }

  /** Another node on an existing database (several nodes share one PostgreSQL); does not drop it. */
  static async attach(url: string, opts: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TestServer> {
    const config = loadConfig({
      KEYWARD_DATABASE_URL: url,
      KEYWARD_LOG_LEVEL: 'silent',
      ...FAST_PASSWORDS,
      ...opts.env,
    })
    const kw = await createKeyward(config, { clock: opts.clock, logger: false })
    return new TestServer(kw, config, async () => {})
  }

  async request(
    method: string,
    url: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`
    if (opts.body !== undefined) headers['content-type'] ??= 'application/json'
    const res = await this.kw.app.inject({
      method: method as 'GET',
      url,
      headers,
      payload:
        opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    })
    let body: unknown = undefined
    try {
      body = res.body ? JSON.parse(res.body) : undefined
    } catch {
      body = undefined
    }
    return { status: res.statusCode, headers: res.headers, body, text: res.body }
  }

  async login(email: string, password: string): Promise<string> {
    const r = await this.request('POST', '/v1/auth/login', { body: { email, password } })
    if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`)
    return r.body.access_token as string
  }

  adminToken(): Promise<string> {
    return this.login(ADMIN.email, ADMIN.password)
  }

  /** Creates a member through the API and logs in as them. */
  async member(name: string, adminToken: string): Promise<{ id: number; actorId: number; token: string }> {
    const email = `${name}@example.com`
    const password = `${name}-password-1`
    const r = await this.request('POST', '/v1/users', { token: adminToken, body: { email, password } })
    if (r.status !== 201) throw new Error(`user create failed: ${r.status} ${r.text}`)
    return { id: r.body.id, actorId: r.body.actor_id, token: await this.login(email, password) }
  }

  /** Creates a key through the API; returns the plaintext and the key record. */
  async createKey(
    token: string,
    body: Record<string, unknown> = {},
  ): Promise<{ key: string; id: number; record: any }> {
    const r = await this.request('POST', '/v1/keys', {
      token,
      body: { name: `k-${randomBytes(4).toString('hex')}`, ...body },
    })
    if (r.status !== 201) throw new Error(`key create failed: ${r.status} ${r.text}`)
    return { key: r.body.key, id: r.body.api_key.id, record: r.body.api_key }
  }

  async verify(token: string, key: string, scopes?: string[]): Promise<any> {
    const r = await this.request('POST', '/v1/keys/verify', { token, body: { key, ...(scopes && { scopes }) } })
    if (r.status !== 200) throw new Error(`verify failed: ${r.status} ${r.text}`)
    return r.body
  }

  /** Listens on a random free port of 127.0.0.1 (for real clients); returns the base URL. */
  async listen(): Promise<string> {
    await this.kw.app.listen({ host: '127.0.0.1', port: 0 })
    const addr = this.kw.app.server.address()
    if (!addr || typeof addr === 'string') throw new Error('server is not listening on a TCP port')
    return `http://127.0.0.1:${addr.port}`
  }

  async close(): Promise<void> {
    await this.kw.close()
    await this.dropDb()
  }

  /** Drops the database only: for a test that closed `kw` itself. */
  async drop(): Promise<void> {
    await this.dropDb()
  }
}

/** A suite's server and its admin session, filled in by `serverForSuite`'s `before` hook. */
export interface SuiteServer {
  s: TestServer
  admin: string
}

/**
 * Starts a fresh server on `store` (and logs the admin in) before the enclosing suite's
 * tests, and closes it after them: the set-up most suites repeat. Read `s` and `admin` in
 * hooks and tests, not at suite definition time (they are set when `before` runs).
 */
export function serverForSuite(
  store: StoreKind,
  opts: { clock?: Clock; env?: Record<string, string> } = {},
): SuiteServer {
  const suite = {} as SuiteServer
  before(async () => {
    suite.s = await TestServer.start(store, opts)
    suite.admin = await suite.s.adminToken()
  })
  after(() => suite.s.close())
  return suite
}
