import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TestServer } from '../helpers.js'
import { Receiver, until } from './receiver.js'

/**
 * A fuzzer's find: a delivery round sends its deliveries at once, each attempt adding a listener to the
 * dispatcher's one abort signal, and Node warned `MaxListenersExceededWarning` from the eleventh on: in
 * the log it read as a leak (the listeners go with their requests). The signal now takes any number.
 */
describe('a delivery round of more than ten attempts at once', () => {
  it('is sent whole, without a MaxListenersExceededWarning', async () => {
    const s = await TestServer.start('sqlite', {
      env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1', KEYWARD_WEBHOOK_TIMEOUT_MS: '2000' },
    })
    const rx = await Receiver.start({ delayMs: 500 }) // answers late, so the attempts overlap
    const warnings: string[] = []
    const onWarning = (w: Error) => void (w.name === 'MaxListenersExceededWarning' && warnings.push(w.message))
    process.on('warning', onWarning)
    try {
      const admin = await s.adminToken()
      for (let i = 0; i < 12; i++) {
        const r = await s.request('POST', '/v1/webhooks', {
          token: admin,
          body: { url: rx.url, events: ['key.created'] },
        })
        assert.equal(r.status, 201, r.text)
      }
      await s.createKey(admin)
      await until(() => rx.received.length >= 12, 15_000, '12 deliveries')
      await new Promise((r) => setTimeout(r, 700)) // the answers, and a warning emitted on a later tick
      assert.equal(rx.received.length, 12)
      assert.deepEqual(warnings, [])
    } finally {
      process.off('warning', onWarning)
      await rx.close()
      await s.close()
    }
  })
})
