import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { createKeyward } from '../../src/index.js'
import { ADMIN, freshDatabase } from '../helpers.js'

interface Line {
  reqId?: string
  msg?: string
  level?: number
  req?: { path?: string }
  res?: { statusCode?: number }
}

/** A server logging at `level` into `lines`, with the admin logged in and one key to verify. */
async function logged(level: 'info' | 'debug', env: Record<string, string> = {}) {
  const lines: Line[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().trim().split('\n')) lines.push(JSON.parse(l) as Line)
      cb()
    },
  })
  const db = await freshDatabase('sqlite')
  const kw = await createKeyward(loadConfig({ KEYWARD_DATABASE_URL: db.url, ...env }), {
    logger: { level, stream },
    dashboardDir: false,
  })
  await kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)
  const post = (url: string, payload: object, token?: string, id?: string) =>
    kw.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { ...(token && { authorization: `Bearer ${token}` }), ...(id && { 'x-request-id': id }) },
    })
  const admin = (await post('/v1/auth/login', ADMIN)).json<{ access_token: string }>().access_token
  const key = (await post('/v1/keys', { name: 'verified' }, admin)).json<{ key: string }>().key
  const completed = (id: string) => lines.filter((l) => l.reqId === id && l.msg === 'request completed')
  return { kw, lines, post, admin, key, completed }
}

const QUIET = { KEYWARD_VERIFY_ACCESS_LOG: 'debug' }

describe('access log of the verify endpoint', () => {
  let plain: Awaited<ReturnType<typeof logged>>
  let info: Awaited<ReturnType<typeof logged>>
  let debug: Awaited<ReturnType<typeof logged>>
  before(async () => {
    plain = await logged('info')
    info = await logged('info', QUIET)
    debug = await logged('debug', QUIET)
  })
  after(async () => {
    for (const s of [plain, info, debug]) await s?.kw.close()
  })

  test('by default, every verification has its info line, valid or refused', async () => {
    const { post, admin, key, completed } = plain
    await post('/v1/keys/verify', { key }, admin, 'p-valid')
    await post('/v1/keys/verify', { key: mistyped(key) }, admin, 'p-refused')
    for (const id of ['p-valid', 'p-refused']) {
      const [line, ...more] = completed(id)
      assert.equal(more.length, 0)
      assert.equal(line?.level, 30, `${id} at info`)
      assert.equal(line?.res?.statusCode, 200)
    }
  })

  test('with KEYWARD_VERIFY_ACCESS_LOG=debug, at info: answers below 400 are not logged; other routes are', async () => {
    const { post, admin, key, completed } = info
    const valid = await post('/v1/keys/verify', { key }, admin, 'v-valid')
    assert.equal(valid.json<{ valid: boolean }>().valid, true)
    const refused = await post('/v1/keys/verify', { key: mistyped(key) }, admin, 'v-refused')
    assert.equal(refused.statusCode, 200)
    assert.equal(refused.json<{ valid: boolean }>().valid, false)
    assert.deepEqual([...completed('v-valid'), ...completed('v-refused')], [])
    await post('/v1/keys', { name: 'another' }, admin, 'create')
    assert.equal(completed('create').length, 1, 'a key creation is logged at info')
  })

  test('with KEYWARD_VERIFY_ACCESS_LOG=debug, at info: its 4xx answers are logged (a caller refused, a bad body)', async () => {
    const { post, admin, key, completed } = info
    assert.equal((await post('/v1/keys/verify', { key }, undefined, 'v-401')).statusCode, 401)
    assert.equal((await post('/v1/keys/verify', { nokey: 1 }, admin, 'v-400')).statusCode, 400)
    for (const [id, status] of [
      ['v-401', 401],
      ['v-400', 400],
    ] as const) {
      const [line, ...more] = completed(id)
      assert.equal(more.length, 0)
      assert.equal(line?.res?.statusCode, status, id)
      assert.equal(line?.level, 30, `${id} at info`)
      assert.equal(line?.req?.path, '/v1/keys/verify')
    }
  })

  test('with KEYWARD_VERIFY_ACCESS_LOG=debug, at debug: every verification has its debug line', async () => {
    const { post, admin, key, completed } = debug
    await post('/v1/keys/verify', { key }, admin, 'd-valid')
    const [line, ...more] = completed('d-valid')
    assert.equal(more.length, 0)
    assert.equal(line?.level, 20, 'at debug')
    assert.equal(line?.res?.statusCode, 200)
  })

  test('no line of any of these servers holds a key', () => {
    for (const s of [plain, info, debug]) assert.ok(!JSON.stringify(s.lines).includes(s.key), 'a key was logged')
  })

  test('KEYWARD_VERIFY_ACCESS_LOG takes info or debug only', () => {
    assert.throws(
      () => loadConfig({ KEYWARD_VERIFY_ACCESS_LOG: 'off' }),
      /KEYWARD_VERIFY_ACCESS_LOG must be one of info, debug/,
    )
  })
})

/** `key` with its last character changed: a key ending in `x` stayed itself, and verified VALID, once in 62 runs. */
const mistyped = (key: string) => key.slice(0, -1) + (key.endsWith('x') ? 'y' : 'x')
