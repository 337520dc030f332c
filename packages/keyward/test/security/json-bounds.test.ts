import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

/** `{"a":{"a":…}}` nested `depth` levels, ending in 1. */
const nestedObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
const nestedMeta = (depth: number) => `{"name":"n-${depth}-${Math.random()}","meta":${nestedObject(depth)}}`

/**
 * Every route that takes a body, read from the router itself (so a new route is fuzzed without
 * editing this list), with its params filled in: `printRoutes` draws a tree of path segments.
 */
function bodyRoutes(tree: string): { method: string; url: string }[] {
  const out: { method: string; url: string }[] = []
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)/.exec(line)
    if (!m) continue
    const depth = m[1]!.length / 4
    stack.length = depth
    stack.push(m[2]!)
    const url = stack
      .join('')
      .replace(/:appId/g, 'any-app')
      .replace(/:\w+/g, '1')
      .replace(/\*$/, 'api_key(1)')
    for (const method of m[3]!.split(', ')) if (['POST', 'PUT', 'PATCH'].includes(method)) out.push({ method, url })
  }
  // The balena OData catch-all (`/v7/*`) does not show in the tree.
  return [...out, { method: 'POST', url: '/v7/api_key' }, { method: 'PATCH', url: '/v7/api_key(1)' }]
}

for (const kind of STORES) {
  describe(`deeply nested and oversized JSON never answer 500 (${kind})`, () => {
    let s: TestServer
    let admin: string
    let keyId: number
    before(async () => {
      s = await TestServer.start(kind)
      admin = await s.adminToken()
      keyId = (await s.createKey(admin)).id
    })
    after(() => s.close())

    it('meta nested 1,000 to 10,000 levels (inside the body limit) is a 400 validation_failed on create and update, never a 500', async () => {
      // A ladder: how deep the parser gets before JSON.stringify overflows depends on the stack, so no single depth reproduces it.
      for (let depth = 1000; depth <= 10_000; depth += 1000) {
        const create = await s.request('POST', '/v1/keys', { token: admin, body: nestedMeta(depth) })
        const patch = await s.request('PATCH', `/v1/keys/${keyId}`, {
          token: admin,
          body: `{"meta":${nestedObject(depth)}}`,
        })
        for (const [what, r] of [
          ['create', create],
          ['update', patch],
        ] as const) {
          assert.notEqual(r.status, 500, `${what} at depth ${depth}: ${r.text}`)
          assert.equal(r.status, 400, `${what} at depth ${depth}: ${r.text}`)
          assert.equal(r.body.error.code, 'validation_failed', `${what} at depth ${depth}`)
        }
      }
    })

    it('meta is bounded to 8 levels and 4 KB serialized, with a precise message', async () => {
      assert.equal((await s.request('POST', '/v1/keys', { token: admin, body: nestedMeta(8) })).status, 201)
      const deep = await s.request('POST', '/v1/keys', { token: admin, body: nestedMeta(9) })
      assert.equal(deep.status, 400, deep.text)
      assert.match(deep.body.error.message, /meta.*8 levels/)
      const big = await s.request('POST', '/v1/keys', {
        token: admin,
        body: { name: 'big-meta', meta: { blob: 'x'.repeat(4096) } },
      })
      assert.equal(big.status, 400, big.text)
      assert.match(big.body.error.message, /meta.*4096 bytes/)
      // In the shape of every other field error, so forms show it at the field (it was `{field}`, not a list).
      assert.deepEqual(big.body.error.details, [{ field: 'meta', message: big.body.error.message }])
      assert.deepEqual(deep.body.error.details, [{ field: 'meta', message: deep.body.error.message }])
      const patch = await s.request('PATCH', `/v1/keys/${keyId}`, {
        token: admin,
        body: { meta: { blob: 'x'.repeat(4096) } },
      })
      assert.equal(patch.status, 400, patch.text)
      assert.equal(
        (await s.request('PATCH', `/v1/keys/${keyId}`, { token: admin, body: { meta: { a: [1, { b: 'ok' }] } } }))
          .status,
        200,
      )
    })

    it('the JSON parser itself refuses absurd nesting (any face, any route) as 400 validation_failed', async () => {
      const r = await s.request('POST', '/v1/auth/login', { body: '['.repeat(30_000) + ']'.repeat(30_000) })
      assert.equal(r.status, 400, r.text)
      assert.equal(r.body.error.code, 'validation_failed')
      // Brackets inside strings are text, not nesting.
      const inString = await s.request('POST', '/v1/keys', {
        token: admin,
        body: { name: '[[[[', meta: { v: '{'.repeat(3000) } },
      })
      assert.equal(inString.status, 201, inString.text)
    })

    it('every face and route that takes a body answers deep or oversized JSON with a 4xx, signed in or not', async () => {
      const routes = bodyRoutes(s.kw.app.printRoutes({ commonPrefix: false }))
      assert.ok(routes.length >= 30, `found ${routes.length} body routes`)
      for (const needed of [
        'POST /v1/keys',
        'PATCH /v1/keys/1',
        'POST /login_',
        'POST /api/v1/auth/signin',
        'POST /api/client/v2.0/auth/api_keys',
        'PATCH /v7/api_key(1)',
      ]) {
        assert.ok(
          routes.some((r) => `${r.method} ${r.url}` === needed),
          `${needed} is fuzzed`,
        )
      }
      const bodies = {
        deepArray: '['.repeat(30_000) + ']'.repeat(30_000),
        deepObject: nestedObject(10_000),
        deepMeta5k: nestedMeta(5_000),
        deepMeta8k: nestedMeta(8_000),
        deepArrayInMeta: `{"name":"x","meta":{"a":${'['.repeat(3_000)}${']'.repeat(3_000)}}}`,
        oversized: JSON.stringify({ name: 'x'.repeat(70 * 1024) }),
      }
      for (const { method, url } of routes) {
        for (const token of [undefined, admin]) {
          for (const [what, body] of Object.entries(bodies)) {
            const r = await s.request(method, url, { token, body })
            assert.ok(
              r.status >= 400 && r.status < 500,
              `${method} ${url} (${what}, ${token ? 'admin' : 'anonymous'}): ${r.status} ${r.text.slice(0, 200)}`,
            )
          }
        }
      }
    })
  })
}
