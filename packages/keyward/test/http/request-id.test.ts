import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { type Keyward, createKeyward } from '../../src/server.js'
import { freshDatabase } from '../helpers.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('request ids', () => {
  let kw: Keyward
  let lines: { reqId?: string; msg?: string; req?: Record<string, unknown>; res?: { statusCode?: number } }[] = []
  before(async () => {
    const db = await freshDatabase('sqlite')
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(
          ...chunk
            .toString()
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { reqId?: string }),
        )
        cb()
      },
    })
    kw = await createKeyward(loadConfig({ KEYWARD_DATABASE_URL: db.url }), {
      logger: { level: 'info', stream },
      dashboardDir: false,
    })
  })
  after(() => kw.close())
  const get = (url: string, headers: Record<string, string> = {}) => kw.app.inject({ method: 'GET', url, headers })

  test('a well-formed x-request-id from the caller is echoed and on every log line of that request', async () => {
    lines = []
    const res = await get('/v1/keys', { 'x-request-id': 'trace-7f3a:edge.1' })
    assert.equal(res.statusCode, 401)
    assert.equal(res.headers['x-request-id'], 'trace-7f3a:edge.1')
    assert.ok(
      lines.some((l) => l.reqId === 'trace-7f3a:edge.1' && l.msg === 'request completed'),
      JSON.stringify(lines),
    )
    assert.deepEqual(
      lines.filter((l) => l.reqId !== 'trace-7f3a:edge.1'),
      [],
      'no line of the request lacks its id',
    )
  })

  test('one access line per request at info: id, method, path without the query, client, status and duration', async () => {
    lines = []
    const res = await get('/v1/keys?apikey=kw_secret&limit=5', { 'x-request-id': 'one-line' })
    const mine = lines.filter((l) => l.reqId === 'one-line')
    assert.equal(mine.length, 1, JSON.stringify(lines))
    const [line] = mine as [(typeof lines)[number] & { responseTime?: number }]
    assert.equal(line.msg, 'request completed')
    assert.deepEqual(line.req, { id: 'one-line', method: 'GET', path: '/v1/keys', ip: '127.0.0.1' })
    assert.equal(line.res?.statusCode, res.statusCode)
    assert.equal(typeof line.responseTime, 'number')
    assert.ok(!JSON.stringify(lines).includes('kw_secret'), 'the query is never logged')
  })

  test('without one, or with a malformed one, each response gets a fresh UUID', async () => {
    const ids: unknown[] = []
    const cases: Record<string, string>[] = [
      {},
      {},
      { 'x-request-id': 'two words' },
      { 'x-request-id': 'x'.repeat(129) },
      { 'x-request-id': '"quoted"' },
    ]
    for (const headers of cases) {
      const res = await get('/healthz', headers)
      assert.match(String(res.headers['x-request-id']), UUID)
      ids.push(res.headers['x-request-id'])
    }
    assert.equal(new Set(ids).size, ids.length, 'ids are unique')
  })

  test('errors carry it too: a 404, a validation error and a malformed URL', async () => {
    for (const url of ['/v1/nowhere', '/v1/keys?limit=abc', '/v1/keys/%E0%A4%A']) {
      const res = await get(url, { 'x-request-id': 'err-1' })
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode}`)
      assert.equal(res.headers['x-request-id'], 'err-1', url)
    }
  })
})
