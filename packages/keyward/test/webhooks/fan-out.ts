import assert from 'node:assert/strict'
import { WebhookOutbox } from '../../src/store/webhook-outbox.js'
import type { TestServer } from '../helpers.js'

/** A webhook of the caller for `events` at a URL never reached (the test reads the deliveries rows). */
export async function silentHook(s: TestServer, token: string, events: string[]): Promise<number> {
  const r = await s.request('POST', '/v1/webhooks', {
    token,
    body: { url: 'http://127.0.0.1:9/never-sent', events },
  })
  assert.equal(r.status, 201, r.text)
  return r.body.webhook.id as number
}

/** Fans out every event (no sending: the deliveries rows are what each webhook would get). */
export async function fanOutAll(s: TestServer): Promise<void> {
  const db = s.kw.services.store.db
  const outbox = new WebhookOutbox(db, s.kw.services.store.dialect)
  // A node's own dispatcher may hold the fan-out lock (PostgreSQL): 0 then means "not now".
  const pending = () => db.selectFrom('key_event').select('id').where('dispatched_at', 'is', null).executeTakeFirst()
  while (await pending()) await outbox.fanOut(new Date().toISOString(), 1000)
}
