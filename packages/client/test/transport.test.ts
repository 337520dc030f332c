import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type FetchLike, createClient } from '../src/index.js'

/** A fetch that records requests and answers with a fixed response (no server: these are the client's own rules). */
function fixedFetch(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): FetchLike & { calls: { url: string; init: RequestInit }[] } {
  const calls: { url: string; init: RequestInit }[] = []
  const f = async (url: string, init: RequestInit) => {
    calls.push({ url, init })
    return new Response(body, { status, headers })
  }
  return Object.assign(f, { calls })
}

/** A fetch that answers each call with the next of `answers` (a status, or 'drop' for a lost connection). */
function scriptedFetch(answers: (number | 'drop')[]): FetchLike & { methods: string[] } {
  const methods: string[] = []
  const f = async (_url: string, init: RequestInit) => {
    methods.push(init.method ?? 'GET')
    const next = answers.shift() ?? 200
    if (next === 'drop') throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })
    const body = next === 200 ? '{"api_keys":[],"next_cursor":null}' : '{"error":{"code":"unavailable","message":"x"}}'
    return new Response(body, { status: next })
  }
  return Object.assign(f, { methods })
}

describe('retries', () => {
  test('a read is sent again after a 503, a 502 or a lost connection, up to `retries` times', async () => {
    const f = scriptedFetch([503, 'drop', 200])
    assert.deepEqual((await createClient({ url: 'http://kw.test', fetch: f }).apiKeys.list()).api_keys, [])
    assert.deepEqual(f.methods, ['GET', 'GET', 'GET'])
    const g = scriptedFetch([503, 502, 503, 200])
    await assert.rejects(createClient({ url: 'http://kw.test', fetch: g }).apiKeys.list(), { status: 503 })
    assert.equal(g.methods.length, 3, 'two retries by default, then the error')
  })

  test('a write is never sent twice (it may have happened); retries: 0 sends a read once; a 500 or 4xx is final', async () => {
    const post = scriptedFetch([503, 200])
    await assert.rejects(createClient({ url: 'http://kw.test', fetch: post }).apiKeys.create({ name: 'x' }), {
      status: 503,
    })
    assert.deepEqual(post.methods, ['POST'])
    const once = scriptedFetch([503, 200])
    await assert.rejects(createClient({ url: 'http://kw.test', fetch: once, retries: 0 }).apiKeys.list())
    assert.equal(once.methods.length, 1)
    for (const status of [500, 404]) {
      const final = scriptedFetch([status, 200])
      await assert.rejects(createClient({ url: 'http://kw.test', fetch: final }).apiKeys.list(), { status })
      assert.equal(final.methods.length, 1, `${status} is not retried`)
    }
    assert.throws(() => createClient({ url: 'http://kw.test', retries: -1 }), TypeError)
  })
})

describe('transport rules', () => {
  test("a proxy's HTML error page is `unavailable` with its status; HTML with 200 is `invalid_response`", async () => {
    const bad = createClient({
      url: 'http://kw.test',
      fetch: fixedFetch(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' }),
    })
    await assert.rejects(bad.apiKeys.list(), { name: 'KeywardError', code: 'unavailable', status: 502 })
    const html = createClient({
      url: 'http://kw.test',
      fetch: fixedFetch(200, '<html></html>', { 'content-type': 'text/html' }),
    })
    await assert.rejects(html.apiKeys.list(), { name: 'KeywardError', code: 'invalid_response', status: 200 })
  })

  test('Retry-After and request ids are kept on the error', async () => {
    const f = fixedFetch(429, JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }), {
      'retry-after': '7',
    })
    await assert.rejects(createClient({ url: 'http://kw.test', fetch: f }).auth.login({ email: 'a', password: 'b' }), {
      code: 'rate_limited',
      status: 429,
      message: 'slow down',
      retryAfterS: 7,
    })
    const g = fixedFetch(
      500,
      JSON.stringify({ error: { code: 'internal', message: 'internal error', request_id: 'req-9' } }),
    )
    await assert.rejects(createClient({ url: 'http://kw.test', fetch: g }).apiKeys.get(1), {
      code: 'internal',
      status: 500,
      requestId: 'req-9',
    })
  })

  test('requests: base URL without trailing slash, encoded query without undefined, bearer token, JSON body, custom headers', async () => {
    const f = fixedFetch(200, JSON.stringify({ api_keys: [], total: 0, next_cursor: null }))
    const kw = createClient({ url: 'http://kw.test/', token: 'tok', fetch: f, headers: { 'x-trace': '1' } })
    await kw.apiKeys.list({ q: 'a b&c', status: 'active', kind: undefined })
    assert.equal(f.calls[0]!.url, 'http://kw.test/v1/keys?q=a+b%26c&status=active')
    assert.deepEqual(f.calls[0]!.init.headers, {
      accept: 'application/json',
      'x-trace': '1',
      authorization: 'Bearer tok',
    })
    await kw.apiKeys.update('7', { rate_limit_per_minute: 30, rate_limit: { limit: 1, window_s: 1 } }).catch(() => {})
    assert.equal(f.calls[1]!.url, 'http://kw.test/v1/keys/7')
    assert.deepEqual(
      JSON.parse(f.calls[1]!.init.body as string),
      { rate_limit: { limit: 1, window_s: 1 } },
      'an explicit rate_limit wins over the sugar',
    )
    assert.throws(() => createClient({ url: 'kw.test' }), TypeError)
  })

  test('a timeout is a network_error', async () => {
    // fetch rejects with the signal's reason, whatever it is: so does this stand-in.
    const never: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      )
    // AbortSignal.timeout's timer does not hold the event loop open; this one does, for the test's sake.
    const keepAlive = setTimeout(() => {}, 5000)
    try {
      await assert.rejects(createClient({ url: 'http://kw.test', fetch: never, timeoutMs: 20 }).auth.whoami(), {
        code: 'network_error',
        status: 0,
      })
    } finally {
      clearTimeout(keepAlive)
    }
  })
})
