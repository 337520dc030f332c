import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { cleanEnv, startServe } from '../cli/run-cli.js'
import { ADMIN, STORES, freshDatabase } from '../helpers.js'
import { Receiver, until } from './receiver.js'

/** A real `keyward serve` child; the lease of an attempt is its timeout plus 5 s. */
const serve = (url: string, timeoutMs: number) =>
  startServe(
    cleanEnv({
      KEYWARD_DATABASE_URL: url,
      KEYWARD_ADMIN_EMAIL: ADMIN.email,
      KEYWARD_ADMIN_PASSWORD: ADMIN.password,
      KEYWARD_PASSWORD_SCRYPT_N: '16384',
      KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1',
      KEYWARD_WEBHOOK_TIMEOUT_MS: String(timeoutMs),
      KEYWARD_LOG_LEVEL: 'info',
    }),
  )

async function call(base: string, method: string, path: string, token: string | null, body?: unknown) {
  const r = await fetch(base + path, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return (await r.json()) as Record<string, any>
}

for (const kind of STORES) {
  describe(`webhook delivery across a crash (${kind})`, () => {
    let db: Awaited<ReturnType<typeof freshDatabase>>
    before(async () => {
      db = await freshDatabase(kind)
    })
    after(() => db.drop())

    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      it(`${signal} while a delivery is in flight loses nothing: the next server sends it (same webhook-id, valid signature)`, async () => {
        const rx = await Receiver.start({ hangFirst: 1 })
        // kill -9: a short attempt timeout, so the test waits only for the lease (1 s + 5 s) to run out.
        // SIGTERM: the attempt (10 s) is surely still in flight when the signal arrives.
        const timeoutMs = signal === 'SIGKILL' ? 1000 : 10_000
        const first = await serve(db.url, timeoutMs)
        let second: Awaited<ReturnType<typeof serve>> | null = null
        try {
          const token = (await call(first.url, 'POST', '/v1/auth/login', null, ADMIN)).access_token as string
          const hook = await call(first.url, 'POST', '/v1/webhooks', token, { url: rx.url, events: ['key.created'] })
          await call(first.url, 'POST', '/v1/keys', token, { name: `crash-${signal}` })
          await until(() => rx.received.length === 1, 10_000, 'the attempt to reach the receiver')
          const exited = once(first.child, 'exit')
          first.child.kill(signal)
          await exited
          second = await serve(db.url, timeoutMs)
          const restarted = Date.now()
          await until(() => rx.received.length === 2, 20_000, 'the delivery after restart')
          const [a, b] = rx.received
          assert.equal(b!.headers['webhook-id'], a!.headers['webhook-id'])
          new Webhook(hook.secret as string).verify(b!.body, b!.headers as Record<string, string>)
          assert.equal(JSON.parse(b!.body).data.name, `crash-${signal}`)
          // SIGTERM released the lease (else it would hold for 15 s); after kill -9 it ran out.
          if (signal === 'SIGTERM') assert.ok(Date.now() - restarted < 5_000, 'released on SIGTERM')
          const t2 = (await call(second.url, 'POST', '/v1/auth/login', null, ADMIN)).access_token as string
          await until(async () => {
            const d = await call(second!.url, 'GET', `/v1/webhooks/${hook.webhook.id}/deliveries`, t2)
            return d.deliveries[0]?.status === 'succeeded'
          })
          const [d] = (await call(second.url, 'GET', `/v1/webhooks/${hook.webhook.id}/deliveries`, t2)).deliveries
          assert.equal(d.attempts, 1, 'the interrupted attempt is not counted (SIGTERM) or never recorded (kill -9)')
        } finally {
          first.child.kill('SIGKILL')
          second?.child.kill('SIGTERM')
          if (second) await once(second.child, 'exit')
          await rx.close()
        }
      })
    }
  })
}
