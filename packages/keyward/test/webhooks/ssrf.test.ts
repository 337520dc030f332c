import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { postOnce } from '../../src/services/webhooks/sender.js'
import { isRefusedAddress } from '../../src/services/webhooks/target.js'
import { TestServer } from '../helpers.js'
import { Receiver } from './receiver.js'

describe('webhook SSRF guard', () => {
  let s: TestServer
  let admin: string
  let rx: Receiver
  before(async () => {
    s = await TestServer.start('sqlite') // KEYWARD_WEBHOOK_ALLOW_PRIVATE unset: the production default
    admin = await s.adminToken()
    rx = await Receiver.start('ok')
  })
  after(async () => {
    await rx.close()
    await s.close()
  })

  it('classifies loopback, link-local, private and mapped addresses as refused, public ones not', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0'])
      assert.equal(isRefusedAddress(a), true, a)
    for (const a of ['::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1'])
      assert.equal(isRefusedAddress(a), true, a)
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])
      assert.equal(isRefusedAddress(a), false, a)
  })

  it('refuses IPv6 spellings that embed or translate a private IPv4 address, and non-global IPv6 ranges', () => {
    // Each reaches (or may reach) a host the v4 list refuses: IPv4-compatible (::/96), 6to4 (2002::/16),
    // Teredo (2001::/32), NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), SIIT (::ffff:0:0:0/96);
    // then ranges outside global unicast (2000::/3): site-local, discard, documentation.
    const refused = [
      '::7f00:1',
      '::a9fe:a9fe',
      '2002:7f00:1::',
      '2002:a9fe:a9fe::1',
      '2001:0:4136:e378:8000:63bf:80ff:fffe',
      '64:ff9b::7f00:1',
      '64:ff9b:1::7f00:1',
      '::ffff:0:a9fe:a9fe',
      'fec0::1',
      '100::1',
      '2001:db8::1',
    ]
    for (const a of refused) assert.equal(isRefusedAddress(a), true, a)
    for (const a of ['198.51.100.7', '192.0.2.1', '240.0.0.1', '255.255.255.255'])
      assert.equal(isRefusedAddress(a), true, a)
    assert.equal(isRefusedAddress('2a00:1450:4001:80b::200e'), false)
  })

  it('refuses such targets at creation, by literal address or by what the name resolves to (400 webhook_target_refused)', async () => {
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://localhost/x',
      'http://[::1]/x',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.1/',
      'http://[::ffff:7f00:1]/',
      'http://[::127.0.0.1]/',
      'http://[2002:7f00:1::]/',
      'http://user:pw@example.com/',
      'http://93.184.216.34:0/', // no port: delivered to 80 before (a fuzzer's find)
    ]) {
      const r = await s.request('POST', '/v1/webhooks', { token: admin, body: { url, events: ['key.created'] } })
      assert.equal(r.status, 400, url)
      assert.equal(r.body.error.code, 'webhook_target_refused', url)
    }
  })

  it('answers a url that is not an http(s) URL as bad input (400 validation_failed on url), not as a refused target', async () => {
    const made = await s.request('POST', '/v1/webhooks', {
      token: admin,
      body: { url: 'https://93.184.216.34/hook', events: ['key.created'] },
    })
    assert.equal(made.status, 201, made.text)
    for (const url of ['not-a-url', 'example.com/hook', 'file:///etc/passwd', 'ftp://x.example/']) {
      const created = await s.request('POST', '/v1/webhooks', { token: admin, body: { url, events: ['key.created'] } })
      const patched = await s.request('PATCH', `/v1/webhooks/${made.body.webhook.id}`, { token: admin, body: { url } })
      for (const r of [created, patched]) {
        assert.equal(r.status, 400, url)
        assert.equal(r.body.error.code, 'validation_failed', url)
        assert.match(r.body.error.message, /is not a valid http\(s\) URL/, url)
        assert.deepEqual(r.body.error.details, [{ field: 'url', message: r.body.error.message }], url)
      }
    }
  })

  it('checks the address it connects to at delivery: a name resolving to loopback is never called', async () => {
    const url = rx.url.replace('127.0.0.1', 'localhost')
    const r = await postOnce(url, {}, '{}', {
      timeoutMs: 2000,
      allowPrivate: false,
      signal: new AbortController().signal,
    })
    assert.equal(r.ok, false)
    assert.match(r.error ?? '', /loopback, link-local or private/)
    assert.equal(rx.received.length, 0)
    const allowed = await postOnce(url, {}, '{}', {
      timeoutMs: 2000,
      allowPrivate: true,
      signal: new AbortController().signal,
    })
    assert.equal(allowed.status, 204, 'the same target works when private targets are allowed')
  })
})
