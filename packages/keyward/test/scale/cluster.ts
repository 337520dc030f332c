import { randomBytes } from 'node:crypto'
import { ADMIN, TestServer, freshDatabase } from '../helpers.js'

/** Why the multi-node suites do not run here, or null when they can. */
export const SKIP_NO_POSTGRES = process.env.KEYWARD_TEST_DATABASE_URL
  ? false
  : 'KEYWARD_TEST_DATABASE_URL is not set: multi-node tests need a real PostgreSQL (CI sets it; see .ci/run)'

/** The shared-state backends every multi-node suite runs on: PostgreSQL always, Redis when given. */
export const BACKENDS: ('postgres' | 'redis')[] = process.env.KEYWARD_TEST_REDIS_URL
  ? ['postgres', 'redis']
  : ['postgres']

/** Node environment for a backend: its bus and limiter, and a Redis namespace of this run only. */
export function backendEnv(backend: 'postgres' | 'redis', redisPrefix: string): Record<string, string> {
  if (backend === 'postgres') return { KEYWARD_INVALIDATION_BUS: 'postgres', KEYWARD_RATE_LIMIT_STORE: 'postgres' }
  return {
    KEYWARD_REDIS_URL: process.env.KEYWARD_TEST_REDIS_URL!,
    KEYWARD_REDIS_PREFIX: redisPrefix,
    KEYWARD_INVALIDATION_BUS: 'redis',
    KEYWARD_RATE_LIMIT_STORE: 'redis',
  }
}

/** N Keyward nodes on one fresh PostgreSQL database; the first one creates the admin. */
export class Cluster {
  private constructor(
    readonly nodes: TestServer[],
    readonly url: string,
    private readonly drop: () => Promise<void>,
  ) {}

  static async start(n: number, backend: 'postgres' | 'redis', env: Record<string, string> = {}): Promise<Cluster> {
    const db = await freshDatabase('postgres')
    const fullEnv = { ...backendEnv(backend, `kwtest:${randomBytes(4).toString('hex')}:`), ...env }
    const first = await TestServer.attach(db.url, { env: fullEnv })
    await first.kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)
    const rest = await Promise.all(Array.from({ length: n - 1 }, () => TestServer.attach(db.url, { env: fullEnv })))
    return new Cluster([first, ...rest], db.url, db.drop)
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()))
    await this.drop()
  }
}

/**
 * Polls `check` until it returns true; resolves with the elapsed milliseconds, or
 * rejects after `timeoutMs`. For effects that travel between processes.
 */
export async function within(timeoutMs: number, check: () => Promise<boolean> | boolean, stepMs = 5): Promise<number> {
  const start = performance.now()
  for (;;) {
    if (await check()) return performance.now() - start
    if (performance.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, stepMs))
  }
}
