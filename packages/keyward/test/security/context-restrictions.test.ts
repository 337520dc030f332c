import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

/** A request with a chosen peer address and headers, as the socket would give them. */
async function from(
  s: TestServer,
  remoteAddress: string,
  method: 'GET' | 'POST',
  url: string,
  token: string,
  headers: Record<string, string> = {},
  body?: unknown,
) {
  const r = await s.kw.app.inject({
    method,
    url,
    remoteAddress,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    payload: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined }
}

const verifyIn = (s: TestServer, admin: string, key: string, context?: { ip?: string; origin?: string }) =>
  s.request('POST', '/v1/keys/verify', { token: admin, body: { key, ...(context && { context }) } })

for (const store of STORES) {
  describe(`context restrictions (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('are stored, listed and refused with a 400 naming the bad entry', async () => {
      const restrictions = { ip_allow: ['10.0.0.0/8', '2001:db8::/32'], origin_allow: ['*.example.com'] }
      const k = await s.createKey(admin, { restrictions })
      assert.deepEqual(k.record.restrictions, restrictions)
      const list = await s.request('GET', '/v1/keys?limit=500', { token: admin })
      assert.deepEqual(list.body.api_keys.find((x: any) => x.id === k.id).restrictions, restrictions)
      for (const [bad, field] of [
        [{ ip_allow: ['10.0.0.0/8', '10.0.0.0/33'] }, 'restrictions.ip_allow[1]'],
        [{ origin_allow: ['https://example.com/path'] }, 'restrictions.origin_allow[0]'],
      ] as const) {
        const r = await s.request('POST', '/v1/keys', { token: admin, body: { name: 'bad', restrictions: bad } })
        assert.equal(r.status, 400, r.text)
        assert.equal(r.body.error.code, 'validation_failed')
        assert.equal(r.body.error.details[0].field, field)
        const p = await s.request('PATCH', `/v1/keys/${k.id}`, { token: admin, body: { restrictions: bad } })
        assert.equal(p.status, 400, p.text)
        assert.equal(p.body.error.details[0].field, field)
      }
      const cleared = await s.request('PATCH', `/v1/keys/${k.id}`, { token: admin, body: { restrictions: null } })
      assert.equal(cleared.body.restrictions, null)
    })

    it('refuse a restricted key verified without context, and count it as refused', async () => {
      const k = await s.createKey(admin, { restrictions: { ip_allow: ['10.0.0.0/8'] } })
      const r = await verifyIn(s, admin, k.key)
      assert.equal(r.body.valid, false)
      assert.equal(r.body.code, 'FORBIDDEN_CONTEXT')
      assert.equal(
        (await verifyIn(s, admin, k.key, { origin: 'https://a.example.com' })).body.code,
        'FORBIDDEN_CONTEXT',
      )
      assert.equal((await verifyIn(s, admin, k.key, { ip: '10.2.3.4' })).body.code, 'VALID')
      await s.kw.services.usage.flush()
      const usage = await s.request('GET', `/v1/keys/${k.id}/usage?days=1`, { token: admin })
      assert.equal(usage.body.days[0].by_code.FORBIDDEN_CONTEXT, 2)
      assert.equal(usage.body.days[0].refused, 2)
      assert.equal(usage.body.days[0].valid, 1)
    })

    it('match IPv4-mapped IPv6 addresses as the IPv4 client they are, and never across families', async () => {
      const k = await s.createKey(admin, { restrictions: { ip_allow: ['10.0.0.0/8'] } })
      assert.equal((await verifyIn(s, admin, k.key, { ip: '::ffff:10.9.8.7' })).body.code, 'VALID')
      assert.equal((await verifyIn(s, admin, k.key, { ip: '::ffff:11.9.8.7' })).body.code, 'FORBIDDEN_CONTEXT')
      assert.equal((await verifyIn(s, admin, k.key, { ip: '::a00:1' })).body.code, 'FORBIDDEN_CONTEXT')
    })

    it('hold "*.example.com" to names under example.com', async () => {
      const k = await s.createKey(admin, { restrictions: { origin_allow: ['*.example.com'] } })
      const code = async (origin: string) => (await verifyIn(s, admin, k.key, { origin })).body.code
      assert.equal(await code('https://app.example.com'), 'VALID')
      assert.equal(await code('https://evil.com.example.com'), 'VALID') // a subdomain of example.com, by DNS
      assert.equal(await code('https://example.com.evil'), 'FORBIDDEN_CONTEXT')
      assert.equal(await code('https://notexample.com'), 'FORBIDDEN_CONTEXT')
      assert.equal(await code('http://app.example.com'), 'FORBIDDEN_CONTEXT')
      assert.equal(await code('https://example.com'), 'FORBIDDEN_CONTEXT')
    })

    it('take effect at once when changed (the cached entry is recompiled)', async () => {
      const k = await s.createKey(admin)
      assert.equal((await verifyIn(s, admin, k.key)).body.code, 'VALID')
      await s.request('PATCH', `/v1/keys/${k.id}`, { token: admin, body: { restrictions: { ip_allow: ['10.0.0.1'] } } })
      assert.equal((await verifyIn(s, admin, k.key, { ip: '10.0.0.2' })).body.code, 'FORBIDDEN_CONTEXT')
      assert.equal((await verifyIn(s, admin, k.key, { ip: '10.0.0.1' })).body.code, 'VALID')
    })

    it("bind a key used as a bearer on Keyward's own API, by the socket's address", async () => {
      const k = await s.createKey(admin, { restrictions: { ip_allow: ['203.0.113.0/24'] } })
      assert.equal((await from(s, '198.51.100.1', 'GET', '/v1/keys', k.key)).status, 401)
      assert.equal((await from(s, '203.0.113.5', 'GET', '/v1/keys', k.key)).status, 200)
      assert.equal((await from(s, '::ffff:203.0.113.5', 'GET', '/v1/keys', k.key)).status, 200)
      // Without KEYWARD_TRUST_PROXY, a client's own X-Forwarded-For is not believed.
      const spoofed = await from(s, '198.51.100.1', 'GET', '/v1/keys', k.key, { 'x-forwarded-for': '203.0.113.5' })
      assert.equal(spoofed.status, 401)
      assert.equal(spoofed.body.error.details.code, 'FORBIDDEN_CONTEXT')
    })

    it('bind a bearer key by its Origin too, and a key missing the Origin it needs is refused', async () => {
      const k = await s.createKey(admin, { restrictions: { origin_allow: ['https://app.example.com'] } })
      assert.equal((await from(s, '127.0.0.1', 'GET', '/v1/keys', k.key)).status, 401)
      const evil = { origin: 'https://app.example.com.evil' }
      assert.equal((await from(s, '127.0.0.1', 'GET', '/v1/keys', k.key, evil)).status, 401)
      const ok = { origin: 'https://app.example.com' }
      assert.equal((await from(s, '127.0.0.1', 'GET', '/v1/keys', k.key, ok)).status, 200)
    })

    it('bind a restricted key on every face: balena, Fluxbase and a Realm key login', async () => {
      const k = await s.createKey(admin, { restrictions: { ip_allow: ['203.0.113.0/24'] } })
      assert.equal((await from(s, '198.51.100.1', 'GET', '/v7/application', k.key)).status, 401)
      assert.equal((await from(s, '203.0.113.9', 'GET', '/v7/application', k.key)).status, 200)
      const flux = (ip: string) =>
        s.kw.app.inject({
          method: 'GET',
          url: '/api/v1/client-keys',
          remoteAddress: ip,
          headers: { 'x-api-key': k.key },
        })
      assert.equal((await flux('198.51.100.1')).statusCode, 401)
      assert.equal((await flux('203.0.113.9')).statusCode, 200)
      const realm = (ip: string) =>
        s.kw.app.inject({
          method: 'POST',
          url: '/api/client/v2.0/app/kw/auth/providers/api-key/login',
          remoteAddress: ip,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ key: k.key }),
        })
      assert.equal((await realm('198.51.100.1')).statusCode, 401)
      assert.equal((await realm('203.0.113.9')).statusCode, 200)
    })

    it('never let a restricted key produce a key usable from more places, nor lift its own', async () => {
      const ip = '203.0.113.5'
      const parent = await s.createKey(admin, { restrictions: { ip_allow: ['203.0.113.0/24'] } })
      const make = (restrictions?: unknown) =>
        from(s, ip, 'POST', '/v1/keys', parent.key, {}, { name: `c${Math.random()}`, restrictions })
      assert.equal((await make()).status, 403, 'an unrestricted child')
      assert.equal((await make({ origin_allow: ['a.example.com'] })).status, 403, 'restricted elsewhere only')
      assert.equal((await make({ ip_allow: ['203.0.0.0/16'] })).status, 403, 'a wider range')
      assert.equal((await make({ ip_allow: ['::/0'] })).status, 403, 'another family')
      const child = await make({ ip_allow: ['203.0.113.5'] })
      assert.equal(child.status, 201)
      const patch = (id: number, restrictions: unknown) =>
        s.kw.app.inject({
          method: 'PATCH',
          url: `/v1/keys/${id}`,
          remoteAddress: ip,
          headers: { authorization: `Bearer ${parent.key}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ restrictions }),
        })
      assert.equal((await patch(parent.id, null)).statusCode, 403, 'its own restriction')
      assert.equal((await patch(child.body.api_key.id, null)).statusCode, 403, "its child's restriction")
      const free = await s.createKey(admin)
      const roll = await from(s, ip, 'POST', `/v1/keys/${free.id}/roll`, parent.key, {}, {})
      assert.equal(roll.status, 403, 'rolling an unrestricted key would hand it the secret')
    })

    it('keep a restricted admin key from granting the admin role', async () => {
      const k = await s.createKey(admin, { restrictions: { ip_allow: ['127.0.0.1'] } })
      const r = await from(
        s,
        '127.0.0.1',
        'POST',
        '/v1/users',
        k.key,
        {},
        {
          email: 'ctx-admin@example.com',
          password: 'ctx-admin-password-1',
          role: 'admin',
        },
      )
      assert.equal(r.status, 403)
    })
  })
}

describe('context restrictions behind a trusted proxy (KEYWARD_TRUST_PROXY=1)', () => {
  let s: TestServer
  before(async () => (s = await TestServer.start('sqlite', { env: { KEYWARD_TRUST_PROXY: '1' } })))
  after(() => s.close())

  it('uses the address the proxy appended, never the one the client wrote before it', async () => {
    const admin = await s.adminToken()
    const k = await s.createKey(admin, { restrictions: { ip_allow: ['203.0.113.0/24'] } })
    const via = (xff: string) => from(s, '10.0.0.1', 'GET', '/v1/keys', k.key, { 'x-forwarded-for': xff })
    assert.equal((await via('6.6.6.6, 203.0.113.9')).status, 200)
    assert.equal((await via('203.0.113.9, 6.6.6.6')).status, 401)
  })
})
