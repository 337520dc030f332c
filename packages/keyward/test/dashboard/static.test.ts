import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { type Keyward, createKeyward } from '../../src/server.js'
import { freshDatabase } from '../helpers.js'

/** Serving the dashboard's files: SPA fallback, caching, and what it must never serve or shadow. */
describe('dashboard static serving', () => {
  const dist = mkdtempSync(join(tmpdir(), 'keyward-dist-'))
  let kw: Keyward
  let bare: Keyward
  before(async () => {
    mkdirSync(join(dist, 'assets'))
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>')
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)')
    writeFileSync(join(dist, 'favicon.svg'), '<svg/>')
    writeFileSync(join(dist, '..', 'secret.txt'), 'outside the dashboard folder')
    const config = loadConfig({
      KEYWARD_DATABASE_URL: (await freshDatabase('sqlite')).url,
      KEYWARD_LOG_LEVEL: 'silent',
    })
    kw = await createKeyward(config, { logger: false, dashboardDir: dist })
    const config2 = loadConfig({
      KEYWARD_DATABASE_URL: (await freshDatabase('sqlite')).url,
      KEYWARD_LOG_LEVEL: 'silent',
    })
    bare = await createKeyward(config2, { logger: false, dashboardDir: join(dist, 'missing') })
  })
  after(async () => {
    await kw.close()
    await bare.close()
  })

  it('answers client routes with index.html, and assets with long caching', async () => {
    for (const url of ['/', '/keys', '/keys/12?q=x', '/applications/3/']) {
      const r = await kw.app.inject({ url })
      assert.equal(r.statusCode, 200, url)
      assert.match(r.body, /<div id="root">/, url)
      assert.equal(r.headers['cache-control'], 'no-cache')
      assert.match(String(r.headers['content-security-policy']), /script-src 'self'/)
      assert.equal(r.headers['x-frame-options'], 'DENY')
    }
    const js = await kw.app.inject({ url: '/assets/index-abc123.js' })
    assert.equal(js.statusCode, 200)
    assert.match(String(js.headers['content-type']), /javascript/)
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable')
    const head = await kw.app.inject({ method: 'HEAD', url: '/keys' })
    assert.equal(head.statusCode, 200)
  })

  it('keeps the native JSON 404 under the API, docs, health and compat prefixes, and for missing assets', async () => {
    for (const url of [
      '/v1/nope',
      '/v1',
      '/docs/nope.png',
      '/healthz/x',
      '/readyz/x',
      '/login_x',
      '/api/x',
      '/assets/missing.js',
    ]) {
      const r = await kw.app.inject({ url })
      assert.equal(r.statusCode, 404, url)
      assert.equal(JSON.parse(r.body).error.code, 'not_found', url)
    }
    // Under the compat faces' prefixes, each face answers in its own envelope; never the dashboard.
    for (const url of ['/v7/x', '/api-key/x', '/actor/v1/x', '/device/x', '/api/v1/nope', '/api/client/v2.0/nope']) {
      const r = await kw.app.inject({ url })
      assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${url}: ${r.statusCode}`)
      assert.match(String(r.headers['content-type']), /application\/json/, url)
      assert.doesNotMatch(r.body, /<html/i, url)
    }
    const malformed = await kw.app.inject({ url: '/%E0%A4%A' })
    assert.equal(malformed.statusCode, 400, 'a malformed %-escape is refused, not served as a page')
    assert.match(String(malformed.headers['content-type']), /application\/json/)
    assert.equal((await kw.app.inject({ url: '/healthz' })).statusCode, 200)
    assert.equal((await kw.app.inject({ url: '/openapi.json' })).statusCode, 200)
    assert.equal(
      (await kw.app.inject({ method: 'POST', url: '/keys' })).statusCode,
      404,
      'only GET and HEAD are served',
    )
  })

  it('never serves a file outside its folder', async () => {
    for (const url of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
    ]) {
      const r = await kw.app.inject({ url })
      assert.ok(!r.body.includes('outside the dashboard folder'), url)
    }
  })

  it('without a build, the server still starts and / is a JSON 404', async () => {
    const r = await bare.app.inject({ url: '/' })
    assert.equal(r.statusCode, 404)
    assert.equal(JSON.parse(r.body).error.code, 'not_found')
    assert.equal((await bare.app.inject({ url: '/healthz' })).statusCode, 200)
  })
})
