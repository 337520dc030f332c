import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { ADMIN, TestServer } from '../helpers.js'

/** The IP the audit trail recorded for the last login. */
async function loginIp(
  s: TestServer,
  headers: Record<string, string>,
  remoteAddress = '127.0.0.1',
): Promise<string | null> {
  const r = await s.kw.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    headers: { 'content-type': 'application/json', ...headers },
    remoteAddress,
    payload: JSON.stringify(ADMIN),
  })
  assert.equal(r.statusCode, 200, r.body)
  const events = await s.request('GET', '/v1/audit?action=auth.login&limit=1', { token: r.json().access_token })
  return events.body.events[0].ip
}

describe('KEYWARD_TRUST_PROXY: a client cannot choose its own IP with X-Forwarded-For', () => {
  it('parses off, a hop count, and a list of trusted proxy addresses/CIDRs; refuses nonsense', () => {
    const tp = (v: string | undefined) => loadConfig({ KEYWARD_TRUST_PROXY: v }).trustProxy
    assert.equal(tp(undefined), false)
    assert.equal(tp('0'), false)
    assert.equal(tp('false'), false)
    assert.equal(tp('1'), 1, '1 is one hop, not "trust everything"')
    assert.equal(tp('true'), 1, 'true is one hop too')
    assert.equal(tp('2'), 2)
    assert.deepEqual(tp('10.0.0.0/8, 192.168.1.7,::1'), ['10.0.0.0/8', '192.168.1.7', '::1'])
    for (const bad of ['all', '10.0.0.0/33', '300.1.1.1', '-1', '1.5'])
      assert.throws(() => tp(bad), /KEYWARD_TRUST_PROXY/, bad)
  })

  describe('with one hop (KEYWARD_TRUST_PROXY=1)', () => {
    let s: TestServer
    before(async () => (s = await TestServer.start('sqlite', { env: { KEYWARD_TRUST_PROXY: '1' } })))
    after(() => s.close())

    it('takes the address the proxy appended, not the one the client wrote before it', async () => {
      assert.equal(await loginIp(s, { 'x-forwarded-for': '6.6.6.6, 203.0.113.9' }), '203.0.113.9')
    })
  })

  describe('with a list of trusted proxies', () => {
    let s: TestServer
    before(async () => (s = await TestServer.start('sqlite', { env: { KEYWARD_TRUST_PROXY: '10.0.0.0/8' } })))
    after(() => s.close())

    it('walks back through trusted proxies only, and ignores the header from an untrusted peer', async () => {
      assert.equal(await loginIp(s, { 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.1.2.3' }, '10.0.0.1'), '203.0.113.9')
      assert.equal(await loginIp(s, { 'x-forwarded-for': '6.6.6.6' }, '198.51.100.4'), '198.51.100.4')
    })
  })
})
