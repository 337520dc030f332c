import assert from 'node:assert/strict'
import { type ClientRequest, request } from 'node:http'
import { after, describe, it } from 'node:test'
import { openStore } from '../../src/store/database.js'
import { ADMIN, STORES, freshDatabase } from '../helpers.js'
import { within } from './cluster.js'
import { serve } from './spawn-server.js'

type Outcome = { status: number; connection: string | undefined; body: string } | { error: string }

/** A POST on its own connection whose body is sent in two halves: `finish()` sends the second. */
function halfSent(
  base: string,
  path: string,
  token: string,
  body: string,
): { finish(): void; outcome: Promise<Outcome> } {
  const url = new URL(path, base)
  let req: ClientRequest
  const outcome = new Promise<Outcome>((resolve) => {
    req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }))
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
      },
    )
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
  })
  const half = Math.floor(body.length / 2)
  req!.write(body.slice(0, half))
  return { finish: () => req.end(body.slice(half)), outcome }
}

/** Status of a POST sent with fetch (keep-alive pool), or the connection error's code. */
const post = (base: string, path: string, token: string, body: unknown) =>
  fetch(base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(
    async (r) => ({ status: r.status, connection: r.headers.get('connection') ?? undefined, body: await r.text() }),
    (e: Error & { cause?: { code?: string } }) => ({ error: e.cause?.code ?? e.message }),
  )

async function storedKeyIds(url: string): Promise<Set<number>> {
  const s = openStore(url)
  try {
    return new Set((await s.db.selectFrom('api_key').select('id').execute()).map((r) => r.id))
  } finally {
    await s.close()
  }
}

/** Every outcome is an answer (201, or 503 with Connection: close) or a refused connection; acknowledged keys are stored. */
async function assertAnswered(outcomes: Outcome[], dbUrl: string, allowRefused: boolean): Promise<void> {
  const cut = outcomes.filter((o) => 'error' in o && !(allowRefused && o.error === 'ECONNREFUSED'))
  assert.deepEqual(
    cut,
    [],
    `no request is cut: ${JSON.stringify(outcomes.map((o) => ('error' in o ? o.error : o.status)))}`,
  )
  const answered = outcomes.filter((o) => !('error' in o)) as Exclude<Outcome, { error: string }>[]
  for (const o of answered) {
    assert.ok(o.status === 201 || o.status === 503, `${o.status} ${o.body}`)
    if (o.status === 503) assert.equal(o.connection, 'close')
  }
  const ids = await storedKeyIds(dbUrl)
  for (const o of answered.filter((x) => x.status === 201))
    assert.ok(ids.has(JSON.parse(o.body).api_key.id), `acknowledged key is stored: ${o.body}`)
}

const requestsLogged = (out: string) =>
  out.split('\n').filter((l) => l.includes('"incoming request"') && l.includes('/v1/keys')).length

for (const store of STORES) {
  describe(`SIGTERM with key creations in flight (${store})`, () => {
    const cleanup: (() => Promise<void>)[] = []
    after(async () => {
      for (const f of cleanup.reverse()) await f()
    })
    /** A served fresh database, killed and dropped after the suite, and an admin session on it. */
    const start = async () => {
      const db = await freshDatabase(store)
      cleanup.push(db.drop)
      // At debug, the server logs each request as it arrives (`incoming request`): the test waits for those.
      const served = await serve(db.url, { KEYWARD_LOG_LEVEL: 'debug' })
      cleanup.push(async () => {
        if (served.proc.exitCode === null) served.proc.kill('SIGKILL')
      })
      const login = await post(served.base, '/v1/auth/login', '', ADMIN)
      return {
        db,
        ...served,
        token: (JSON.parse((login as { body: string }).body) as { access_token: string }).access_token,
      }
    }

    it('answers every request it started reading (201, or 503 with Connection: close), resets none, and refuses new connections', async () => {
      const { db, proc, base, exited, output, token } = await start()

      const inFlight = Array.from({ length: 50 }, (_, i) =>
        halfSent(base, '/v1/keys', token, JSON.stringify({ name: `in-flight-${i}`, description: 'x'.repeat(200) })),
      )
      // The server has parsed all 50 requests' headers (it logs each one) and is reading their bodies.
      await within(20_000, () => requestsLogged(output()) >= 50, 20)
      proc.kill('SIGTERM')
      await within(5_000, () => output().includes('shutting down'), 5)
      const refused = await fetch(`${base}/healthz`).then(
        (r) => `status ${r.status}`,
        (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message,
      )
      for (const r of inFlight) r.finish()
      const outcomes = await Promise.all(inFlight.map((r) => r.outcome))
      assert.equal(await exited, 0)

      await assertAnswered(outcomes, db.url, false)
      assert.match(refused, /ECONNREFUSED|status 503/, 'a new request while closing is refused')
    })

    it('a burst of 50 key creations cut by SIGTERM: each is created, answered 503, or refused at connect; none is reset', async () => {
      const { db, proc, base, exited, output, token } = await start()
      const burst = Array.from({ length: 50 }, (_, i) => post(base, '/v1/keys', token, { name: `burst-${i}` }))
      await within(20_000, () => requestsLogged(output()) >= 1, 1)
      proc.kill('SIGTERM')
      const outcomes = await Promise.all(burst)
      assert.equal(await exited, 0)
      await assertAnswered(outcomes, db.url, true)
    })
  })
}
