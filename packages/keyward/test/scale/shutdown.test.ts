import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { openStore } from '../../src/store/database.js'
import { ADMIN, STORES, freshDatabase } from '../helpers.js'
import { serve } from './spawn-server.js'
import { bulkInsertKeys } from './bulk-keys.js'

async function call(
  base: string,
  path: string,
  token: string,
  body: unknown,
): Promise<{ status: number; body: any } | null> {
  try {
    const r = await fetch(base + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: r.status, body: await r.json() }
  } catch {
    return null // refused or cut: not acknowledged
  }
}

for (const store of STORES) {
  describe(`SIGTERM under load (${store})`, () => {
    const cleanup: (() => Promise<void>)[] = []
    after(async () => {
      for (const f of cleanup) await f()
    })

    it('stops accepting, finishes in-flight requests, exits 0 promptly, and loses no acknowledged revocation or last_used_at', async () => {
      const db = await freshDatabase(store)
      cleanup.push(db.drop)
      // Flushes only at shutdown: any last_used_at in the database was written by the SIGTERM path.
      const { proc, base, exited } = await serve(db.url, { KEYWARD_USAGE_FLUSH_MS: '60000' })
      cleanup.push(async () => {
        if (proc.exitCode === null) proc.kill('SIGKILL')
      })
      const token = (await call(base, '/v1/auth/login', '', ADMIN))!.body.access_token as string
      const keys: { key: string; id: number }[] = []
      for (let i = 0; i < 30; i++) {
        const r = (await call(base, '/v1/keys', token, { name: `load-${i}` }))!
        keys.push({ key: r.body.key, id: r.body.api_key.id })
      }

      const verifiedValid = new Set<number>()
      const revoked = new Set<number>()
      let stop = false
      let inFlight = 0
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const k = keys[(w * 7 + i) % keys.length]!
          inFlight++
          // One request in ten is a revocation (of keys 0-14 only, so keys 15-29 stay verifiable).
          const r =
            i % 10 === 9 && k.id <= keys[14]!.id
              ? await call(base, `/v1/keys/${k.id}/revoke`, token, {})
              : await call(base, '/v1/keys/verify', token, { key: k.key })
          inFlight--
          if (!r || r.status === 503) return // the server is closing or closed: stop this worker
          if (r.status === 200 && r.body.code === 'VALID') verifiedValid.add(k.id)
          if (r.status === 200 && r.body.revoked_at) revoked.add(k.id)
        }
      }
      const workers = Array.from({ length: 32 }, (_, w) => worker(w))
      // Signal once the load is under way (measured in answers, not time: the machine may be busy).
      while (revoked.size < 3 || verifiedValid.size < 10) await new Promise((r) => setTimeout(r, 10))
      const inFlightAtSignal = inFlight
      const signalAt = performance.now()
      proc.kill('SIGTERM')
      const code = await exited
      const exitMs = performance.now() - signalAt
      stop = true
      await Promise.all(workers)

      assert.equal(code, 0)
      // Well inside an orchestrator's grace period (Kubernetes: 30 s), busy keep-alive connections included.
      assert.ok(exitMs < 10_000, `exited ${Math.round(exitMs)} ms after SIGTERM`)
      assert.ok(inFlightAtSignal > 0, 'requests were in flight when SIGTERM arrived')
      const s = openStore(db.url)
      try {
        const rows = await s.db.selectFrom('api_key').select(['id', 'revoked_at', 'last_used_at']).execute()
        const byId = new Map(rows.map((r) => [r.id, r]))
        for (const id of revoked) assert.ok(byId.get(id)?.revoked_at, `acknowledged revocation of key ${id} is stored`)
        for (const id of verifiedValid)
          assert.ok(byId.get(id)?.last_used_at, `acknowledged use of key ${id} has its last_used_at`)
      } finally {
        await s.close()
      }
    })
    it('exits within 10 s of SIGTERM while a heavy read runs, still flushing batched last_used_at', async () => {
      const db = await freshDatabase(store)
      cleanup.push(db.drop)
      const { proc, base, exited } = await serve(db.url, { KEYWARD_USAGE_FLUSH_MS: '60000' })
      cleanup.push(async () => {
        if (proc.exitCode === null) proc.kill('SIGKILL')
      })
      const token = (await call(base, '/v1/auth/login', '', ADMIN))!.body.access_token as string
      const key = (await call(base, '/v1/keys', token, { name: 'used' }))!.body
      assert.equal((await call(base, '/v1/keys/verify', token, { key: key.key }))!.body.code, 'VALID')
      const s = openStore(db.url)
      try {
        const admin = await s.db
          .selectFrom('user')
          .select('actor_id')
          .where('email', '=', ADMIN.email)
          .executeTakeFirstOrThrow()
        await bulkInsertKeys(s, admin.actor_id, 20_000, 'shutdown')
      } finally {
        await s.close()
      }
      // The lambda that took 43 s on the event loop before the read pool.
      const heavy = fetch(
        `${base}/v7/api_key?$filter=is_of__actor/any(a:a/api_key/any(k:contains(k/name,'zz')))&$top=1`,
        { headers: { authorization: `Bearer ${token}` } },
      ).then(
        (r) => r.status,
        () => null,
      )
      await new Promise((r) => setTimeout(r, 300))
      const signalAt = performance.now()
      proc.kill('SIGTERM')
      const code = await exited
      const exitMs = performance.now() - signalAt
      assert.equal(code, 0)
      assert.ok(exitMs < 10_000, `exited ${Math.round(exitMs)} ms after SIGTERM`)
      const status = await heavy
      // Answered (200 when the store finished it in time, 400 past its budget, 503 when shutdown cut it) or cut: never a 500.
      assert.ok(status === null || [200, 400, 503].includes(status), `the heavy read got ${status}`)
      const after = openStore(db.url)
      try {
        const row = await after.db
          .selectFrom('api_key')
          .select('last_used_at')
          .where('id', '=', key.api_key.id)
          .executeTakeFirstOrThrow()
        assert.ok(row.last_used_at, 'the batched last_used_at was flushed at shutdown')
      } finally {
        await after.close()
      }
    })
  })
}
