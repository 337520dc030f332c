import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN, TestServer } from '../helpers.js'
import { type CliResult, cleanEnv, expectSuccess, runCli, tempConfigDir } from './run-cli.js'

/** `--ip-allow` / `--origin-allow` on create and update, `--ip` / `--origin` on verify, as real processes. */
describe('keyward CLI: key restrictions', () => {
  let server: TestServer
  let env: Record<string, string>
  const cli = (args: string[], input = ''): Promise<CliResult> => runCli(args, env, input)
  const { ok, json } = expectSuccess(() => env)

  before(async () => {
    server = await TestServer.start('sqlite')
    env = cleanEnv({ KEYWARD_URL: await server.listen(), KEYWARD_CONFIG_DIR: tempConfigDir() })
    await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
  })
  after(() => server.close())

  test('create sets both lists; update replaces one and keeps the other; --clear restrictions lifts them', async () => {
    const r = await json(['keys', 'create', '--name', 'r1', '--ip-allow', '10.0.0.0/8,::1', '--origin-allow', '*.a.io'])
    assert.deepEqual(r.api_key.restrictions, { ip_allow: ['10.0.0.0/8', '::1'], origin_allow: ['*.a.io'] })
    const id = String(r.api_key.id)
    const u = await json(['keys', 'update', id, '--ip-allow', '192.168.0.0/16'])
    assert.deepEqual(u.restrictions, { ip_allow: ['192.168.0.0/16'], origin_allow: ['*.a.io'] })
    const shown = await ok(['keys', 'get', id])
    assert.match(shown.stdout, /usable from:\s+ip 192\.168\.0\.0\/16; origin \*\.a\.io/)
    const cleared = await json(['keys', 'update', id, '--clear', 'restrictions'])
    assert.equal(cleared.restrictions, null)
  })

  test('a bad CIDR is the server 400 naming the entry; verify takes --ip and --origin', async () => {
    const bad = await cli(['keys', 'create', '--name', 'r2', '--ip-allow', '10.0.0.0/99'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /restrictions\.ip_allow\[0\]|10\.0\.0\.0\/99/)
    const { key } = await json(['keys', 'create', '--name', 'r3', '--ip-allow', '10.0.0.0/8'])
    const none = await cli(['keys', 'verify', key])
    assert.equal(none.code, 3)
    assert.match(none.stdout, /refused: FORBIDDEN_CONTEXT/)
    assert.equal((await cli(['keys', 'verify', key, '--ip', '10.1.1.1'])).code, 0)
    assert.equal((await cli(['keys', 'verify', key, '--ip', '11.1.1.1'])).code, 3)
  })
})
