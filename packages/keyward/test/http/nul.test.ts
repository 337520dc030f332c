import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ADMIN, STORES, TestServer } from '../helpers.js'

const NUL = 'a\u0000b'

for (const kind of STORES) {
  describe(`NUL characters are refused with a 400 on every face (${kind})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(kind)
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('native /v1: login email, key name, nested meta, property name and query strings answer 400 validation_failed', async () => {
      const cases: [string, string, unknown, string?][] = [
        ['POST', '/v1/auth/login', { email: `x${NUL}@example.com`, password: 'whatever-1' }],
        ['POST', '/v1/keys', { name: NUL }, admin],
        ['POST', '/v1/keys', { name: 'meta-nul', meta: { deep: [{ v: NUL }] } }, admin],
        ['POST', '/v1/keys', { name: 'meta-key-nul', meta: { [NUL]: 1 } }, admin],
        ['POST', '/v1/users', { email: `u${NUL}@example.com`, password: 'password-123' }, admin],
        ['POST', '/v1/applications', { name: NUL }, admin],
        ['POST', '/v1/keys/verify', { key: `kw_${NUL}` }, admin],
        ['GET', '/v1/keys?q=a%00b', undefined, admin],
        ['GET', '/v1/keys/1%00', undefined, admin],
      ]
      for (const [method, url, body, token] of cases) {
        const r = await s.request(method, url, { body, token })
        assert.equal(r.status, 400, `${method} ${url}: ${r.text}`)
        assert.equal(r.body.error.code, 'validation_failed', `${method} ${url}`)
      }
      // Nothing was written.
      const list = await s.request('GET', '/v1/keys', { token: admin })
      assert.equal(list.body.total, 0)
    })

    it('balena answers in its envelope', async () => {
      const login = await s.request('POST', '/login_', { body: { username: NUL, password: 'x' } })
      assert.equal(login.status, 400, login.text)
      assert.equal(login.body.error, 'validation_failed')
      const key = await s.request('POST', '/api-key/user/full', { token: admin, body: { name: NUL } })
      assert.equal(key.status, 400, key.text)
      assert.equal(key.body.error, 'validation_failed')
      const odata = await s.request('GET', `/v7/api_key?$filter=name eq 'a%00b'`, { token: admin })
      assert.equal(odata.status, 400, odata.text)
      assert.equal(odata.body.error, 'validation_failed')
    })

    it('Realm answers in its envelope', async () => {
      const r = await s.request('POST', '/api/client/v2.0/app/any-app/auth/providers/local-userpass/login', {
        body: { username: `${ADMIN.email}${NUL}`, password: ADMIN.password },
      })
      assert.equal(r.status, 400, r.text)
      assert.equal(r.body.error_code, 'InvalidParameter')
    })

    it('Fluxbase answers in its envelope', async () => {
      const r = await s.request('POST', '/api/v1/auth/signin', {
        body: { email: `${ADMIN.email}${NUL}`, password: ADMIN.password },
      })
      assert.equal(r.status, 400, r.text)
      assert.equal(r.body.code, 'VALIDATION_ERROR')
      assert.equal(typeof r.body.error, 'string')
      const k = await s.request('POST', '/api/v1/api-keys', { token: admin, body: { name: NUL } })
      assert.equal(k.status, 400, k.text)
      assert.equal(k.body.code, 'VALIDATION_ERROR')
    })
  })
}
