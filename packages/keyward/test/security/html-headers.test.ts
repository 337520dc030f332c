import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { type Keyward, createKeyward } from '../../src/server.js'
import { freshDatabase } from '../helpers.js'

/** Every HTML page, however its path is spelled, is unframeable and limited to its own origin's scripts. */
describe('every HTML response carries the Content-Security-Policy and X-Frame-Options', () => {
  const dist = mkdtempSync(join(tmpdir(), 'keyward-dist-'))
  let kw: Keyward
  before(async () => {
    mkdirSync(join(dist, 'assets'))
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>')
    writeFileSync(join(dist, 'other.html'), '<!doctype html><p>another page</p>')
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)')
    const config = loadConfig({
      KEYWARD_DATABASE_URL: (await freshDatabase('sqlite')).url,
      KEYWARD_LOG_LEVEL: 'silent',
    })
    kw = await createKeyward(config, { logger: false, dashboardDir: dist })
  })
  after(() => kw.close())

  const pages = [
    '/',
    '/keys/12',
    '/index.html',
    '/%69ndex.html',
    '/./index.html',
    '/assets/../index.html',
    '/other.html',
    '/docs',
    '/docs/',
    '/docs/static/index.html',
    '/%64ocs',
    '/docs/static/oauth2-redirect.html',
  ]
  for (const url of pages) {
    it(`GET ${url}`, async () => {
      const r = await kw.app.inject({ url })
      if (r.statusCode >= 300 && r.statusCode < 400) return assert.ok(r.headers.location, `${url} redirects somewhere`)
      assert.equal(r.statusCode, 200, `${url}: ${r.statusCode}`)
      assert.match(String(r.headers['content-type']), /^text\/html/, url)
      assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/, url)
      assert.match(
        String(r.headers['content-security-policy']),
        /script-src 'self'(;|$)/,
        `${url}: no inline or foreign scripts`,
      )
      assert.equal(r.headers['x-frame-options'], 'DENY', url)
      assert.equal(r.headers['x-content-type-options'], 'nosniff', url)
    })
  }

  it('the dashboard keeps its strict style policy; API JSON is untouched', async () => {
    const page = await kw.app.inject({ url: '/index.html' })
    assert.match(String(page.headers['content-security-policy']), /style-src 'self'(;|$)/)
    const json = await kw.app.inject({ url: '/healthz' })
    assert.equal(json.headers['content-security-policy'], undefined)
  })
})
