import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { cleanEnv, expectSuccess, runCli, tempConfigDir } from '../cli/run-cli.js'
import { ADMIN, TestServer } from '../helpers.js'
import { Receiver, until } from './receiver.js'

describe('keyward webhooks (CLI)', () => {
  let s: TestServer
  let rx: Receiver
  let env: Record<string, string>
  const { ok, json } = expectSuccess(() => env)
  before(async () => {
    s = await TestServer.start('sqlite', { env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1' } })
    rx = await Receiver.start('ok')
    env = cleanEnv({ KEYWARD_URL: await s.listen(), KEYWARD_CONFIG_DIR: tempConfigDir() })
    await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
  })
  after(async () => {
    await rx.close()
    await s.close()
  })

  it('creates a webhook (secret on stdout only), tests it, lists deliveries, redelivers, rotates, deletes', async () => {
    const created = await ok(['webhooks', 'create', rx.url, '--events', 'key.created,key.revoked'])
    const secret = created.stdout.trim()
    assert.match(secret, /^whsec_/)
    assert.match(created.stderr, /shown only this once/)
    const [hook] = (await json(['webhooks', 'list'])).webhooks
    assert.deepEqual(hook.events, ['key.created', 'key.revoked'])
    await ok(['webhooks', 'test', String(hook.id)])
    await until(() => rx.received.length === 1)
    new Webhook(secret).verify(rx.received[0]!.body, rx.received[0]!.headers as Record<string, string>)
    await until(
      async () => (await json(['webhooks', 'deliveries', String(hook.id)])).deliveries[0].status === 'succeeded',
    )
    const table = (await ok(['webhooks', 'deliveries', String(hook.id)])).stdout
    assert.match(table, /webhook\.test\s+succeeded\s+1\s+204/)
    const [d] = (await json(['webhooks', 'deliveries', String(hook.id)])).deliveries
    await ok(['webhooks', 'redeliver', String(hook.id), String(d.id)])
    await until(() => rx.received.length === 2)
    const rotated = (await ok(['webhooks', 'rotate-secret', String(hook.id)])).stdout.trim()
    assert.match(rotated, /^whsec_/)
    assert.notEqual(rotated, secret)
    const overlapping = await ok(['webhooks', 'rotate-secret', String(hook.id), '--grace-period', '1h'])
    assert.match(
      overlapping.stderr,
      /the old secret signs too until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ; switch your receiver before then/,
    )
    assert.match((await ok(['webhooks', 'get', String(hook.id)])).stdout, /old secret signs until:/)
    await ok(['webhooks', 'test', String(hook.id)])
    await until(() => rx.received.length === 3)
    for (const signer of [overlapping.stdout.trim(), rotated])
      new Webhook(signer).verify(rx.received[2]!.body, rx.received[2]!.headers as Record<string, string>)
    assert.match((await ok(['webhooks', 'end-overlap', String(hook.id)])).stdout, /only its current secret signs now/)
    assert.match((await ok(['webhooks', 'end-overlap', String(hook.id)])).stdout, /there was no overlap to end/)
    assert.doesNotMatch((await ok(['webhooks', 'get', String(hook.id)])).stdout, /old secret signs until:/)
    await ok(['webhooks', 'test', String(hook.id)])
    await until(() => rx.received.length === 4)
    const [m, headers] = [rx.received[3]!.body, rx.received[3]!.headers as Record<string, string>]
    new Webhook(overlapping.stdout.trim()).verify(m, headers)
    assert.throws(() => new Webhook(rotated).verify(m, headers), 'the replaced secret signs after end-overlap')
    const tooLong = await runCli(['webhooks', 'rotate-secret', String(hook.id), '--grace-period', '8d'], env)
    assert.equal(tooLong.code, 1)
    assert.match(tooLong.stderr, /validation_failed/)
    assert.equal((await json(['webhooks', 'update', String(hook.id), '--description', 'ops'])).description, 'ops')
    await ok(['webhooks', 'delete', String(hook.id)])
    const gone = await runCli(['webhooks', 'get', String(hook.id)], env)
    assert.equal(gone.code, 1)
    assert.match(gone.stderr, /not_found/)
  })

  it('answers a target that is not a URL with the validation error, not a refused target (exit 1)', async () => {
    const r = await runCli(['webhooks', 'create', 'not-a-url', '--events', 'key.created'], env)
    assert.equal(r.code, 1)
    assert.match(r.stderr, /validation_failed/)
    assert.match(r.stderr, /The webhook URL is not a valid http\(s\) URL/)
    assert.doesNotMatch(r.stderr, /webhook_target_refused|refused/)
  })

  it('refuses an unknown event type before any request (exit 2)', async () => {
    const r = await runCli(['webhooks', 'create', rx.url, '--events', 'key.nope'], env)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /unknown event type key\.nope/)
  })
})
