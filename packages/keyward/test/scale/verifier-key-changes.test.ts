import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type KeywardVerifier, createVerifier } from '../../src/index.js'
import { KEY_CHANGE_POLL_MS } from '../../src/services/cluster/key-change-watch.js'
import { KeyRepository } from '../../src/store/key-repository.js'
import { ADMIN, freshDatabase } from '../helpers.js'
import { type Served, serve } from './spawn-server.js'

/** The bound this suite holds the embedded verifier to: a server's key write is seen within it. */
const BOUND_MS = 1000

/** Counts the verifier's store reads (`findByHash`) while `f` runs. */
async function countLookups(f: () => Promise<void>): Promise<number> {
  let n = 0
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with apply(this) below
  const original = KeyRepository.prototype.findByHash
  KeyRepository.prototype.findByHash = function (...a) {
    n++
    return original.apply(this, a)
  }
  try {
    await f()
  } finally {
    KeyRepository.prototype.findByHash = original
  }
  return n
}

/** Milliseconds until `f` holds (checked every 5 ms), failing past `limitMs`. */
async function msUntil(limitMs: number, f: () => Promise<boolean>): Promise<number> {
  const start = performance.now()
  while (!(await f())) {
    const ms = performance.now() - start
    assert.ok(ms <= limitMs, `not seen within ${limitMs} ms`)
    await sleep(5)
  }
  return performance.now() - start
}

describe('embedded verifier on SQLite, beside a server process (default settings)', () => {
  let server: Served
  let v: KeywardVerifier
  let token: string
  const api = async (path: string, body: unknown = {}, auth = token) => {
    const r = await fetch(server.base + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    assert.ok(r.status < 300, `${path}: ${r.status}`)
    return (await r.json()) as Record<string, any>
  }
  before(async () => {
    const db = await freshDatabase('sqlite')
    server = await serve(db.url, { KEYWARD_USAGE_FLUSH_MS: '100' })
    token = (await api('/v1/auth/login', ADMIN, '')).access_token as string
    v = await createVerifier({ databaseUrl: db.url })
  })
  after(async () => {
    await v?.close()
    server?.proc.kill('SIGKILL')
  })

  it('keeps cached keys past the old 1 s TTL while the server writes usage, with no store read', async () => {
    const { key } = await api('/v1/keys', { name: 'kept' })
    await sleep(2 * KEY_CHANGE_POLL_MS) // the creation itself clears the cache once, at the next poll
    assert.equal((await v.verify(key as string)).code, 'VALID')
    const reads = await countLookups(async () => {
      for (let i = 0; i < 15; i++) {
        // The server verifies (and flushes last_used_at and counters every 100 ms): writes that
        // change no verification's answer, so they must not cost the embedded cache anything.
        await api('/v1/keys/verify', { key })
        assert.equal((await v.verify(key as string)).code, 'VALID')
        await sleep(100)
      }
    })
    assert.equal(reads, 0)
  })

  it(`refuses a key revoked by the server within ${BOUND_MS} ms, although it was cached`, async () => {
    const { key, api_key } = await api('/v1/keys', { name: 'revoked' })
    assert.equal((await v.verify(key as string)).code, 'VALID')
    assert.equal(v.verifySync(key as string)?.code, 'VALID') // cached: answered without I/O
    await api(`/v1/keys/${api_key.id}/revoke`)
    const ms = await msUntil(BOUND_MS, async () => (await v.verify(key as string)).code === 'REVOKED')
    console.log(`revocation seen by the embedded verifier after ${ms.toFixed(0)} ms`)
  })

  it(`sees disable, roll and delete within ${BOUND_MS} ms`, async () => {
    const a = await api('/v1/keys', { name: 'disabled' })
    const b = await api('/v1/keys', { name: 'rolled' })
    const c = await api('/v1/keys', { name: 'deleted' })
    for (const k of [a, b, c]) assert.equal((await v.verify(k.key as string)).code, 'VALID')
    await api(`/v1/keys/${a.api_key.id}/disable`)
    await msUntil(BOUND_MS, async () => (await v.verify(a.key as string)).code === 'DISABLED')
    const rolled = await api(`/v1/keys/${b.api_key.id}/roll`)
    await msUntil(BOUND_MS, async () => (await v.verify(b.key as string)).code === 'NOT_FOUND')
    assert.equal((await v.verify(rolled.key as string)).code, 'VALID')
    const del = await fetch(`${server.base}/v1/keys/${c.api_key.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(del.status, 204)
    await msUntil(BOUND_MS, async () => (await v.verify(c.key as string)).code === 'NOT_FOUND')
  })
})
