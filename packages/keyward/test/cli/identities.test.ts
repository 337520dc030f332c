import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN, TestServer } from '../helpers.js'
import { cleanEnv, expectSuccess, runCli, tempConfigDir } from './run-cli.js'

/** `--ratelimit`, `keys verify --ratelimit/--cost` and `keyward identities …`, as real processes against a listening server. */
describe('keyward CLI: named limits and identities', () => {
  let server: TestServer
  let env: Record<string, string>
  const { ok, json } = expectSuccess(() => env)

  before(async () => {
    server = await TestServer.start('sqlite')
    env = cleanEnv({ KEYWARD_URL: await server.listen(), KEYWARD_CONFIG_DIR: tempConfigDir() })
    await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
  })
  after(() => server.close())

  test('creates an identity with limits, links a key to it, verifies with a cost, and lists its keys', async () => {
    const ident = await json([
      'identities',
      'create',
      '--external-id',
      'cust_9',
      '--ratelimit',
      'requests:2/60s:auto',
      '--remaining',
      '10',
    ])
    assert.deepEqual(ident.ratelimits, [{ name: 'requests', limit: 2, window_s: 60, auto_apply: true }])
    const created = await json([
      'keys',
      'create',
      '--name',
      'cli-limited',
      '--ratelimit',
      'tokens:100/1h',
      '--ratelimit',
      'default:5/60s',
      '--identity',
      String(ident.id),
    ])
    assert.equal(created.api_key.identity_id, ident.id)
    assert.deepEqual(
      created.api_key.ratelimits.map((l: { name: string }) => l.name),
      ['default', 'tokens'],
    )
    const v = await json(['keys', 'verify', created.key, '--ratelimit', 'tokens:40', '--cost', '3'])
    assert.equal(v.code, 'VALID')
    assert.equal(v.remaining, 7)
    assert.deepEqual(
      v.ratelimits.map((l: { name: string; remaining: number }) => [l.name, l.remaining]),
      [
        ['default', 4],
        ['tokens', 60],
        ['requests', 1],
      ],
    )
    const text = await ok(['keys', 'verify', created.key])
    assert.match(text.stdout, /identity requests: 0\/2 left/)
    const refused = await runCli(['keys', 'verify', created.key], env)
    assert.equal(refused.code, 3)
    const listed = await json(['keys', 'list', '--identity', String(ident.id)])
    assert.equal(listed.total, 1)
    const shown = await ok(['identities', 'get', String(ident.id)])
    assert.match(shown.stdout, /requests\s+2\s+60s\s+yes/)
    const cleared = await json(['identities', 'update', String(ident.id), '--clear', 'ratelimits'])
    assert.deepEqual(cleared.ratelimits, [])
    await ok(['identities', 'delete', String(ident.id)])
    assert.equal((await json(['keys', 'get', String(created.api_key.id)])).identity_id, null)
  })

  test('refuses a malformed --ratelimit before any request (exit 2)', async () => {
    const r = await runCli(['keys', 'create', '--name', 'x', '--ratelimit', 'tokens=100'], env)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /<name>:<limit>\/<window>/)
  })
})
