import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN, TestServer } from '../helpers.js'
import { cleanEnv, expectSuccess, runCli, tempConfigDir } from './run-cli.js'

/** `keyward users set-role|deactivate|reactivate|reset-password|delete`, `keyward auth password|sessions`. */
describe('keyward CLI: the user lifecycle', () => {
  let server: TestServer
  let env: Record<string, string>
  let userEnv: Record<string, string>
  let id: number
  const { ok, json } = expectSuccess(() => env)
  const asUser = expectSuccess(() => userEnv)
  const login = (e: Record<string, string>, password: string) =>
    runCli(['login', '--email', 'life@example.com', '--password', password], e)

  before(async () => {
    server = await TestServer.start('sqlite')
    const url = await server.listen()
    env = cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: tempConfigDir() })
    userEnv = { ...env, KEYWARD_CONFIG_DIR: tempConfigDir() }
    await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
    id = (await json(['users', 'create', '--email', 'life@example.com', '--password', 'life-password-1'])).id
    assert.equal((await login(userEnv, 'life-password-1')).code, 0)
  })
  after(() => server.close())

  test('auth sessions lists yours with the current one marked; --end ends another', async () => {
    const other = { ...env, KEYWARD_CONFIG_DIR: tempConfigDir() }
    assert.equal((await login(other, 'life-password-1')).code, 0)
    const { sessions } = await asUser.json(['auth', 'sessions'])
    assert.equal(sessions.length, 2)
    assert.match((await asUser.ok(['auth', 'sessions'])).stdout, /\(this one\)/)
    const target = sessions.find((s: { current: boolean }) => !s.current).id
    await asUser.ok(['auth', 'sessions', '--end', String(target)])
    assert.equal((await runCli(['whoami'], other)).code, 1)
  })

  test('auth password: a wrong current password exits 1 with wrong_password; the right one changes it', async () => {
    const bad = await runCli(['auth', 'password', '--current', 'nope-nope', '--new', 'life-password-2'], userEnv)
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /wrong_password, HTTP 403/)
    await asUser.ok(['auth', 'password', '--current', 'life-password-1', '--new', 'life-password-2'])
    assert.equal((await login({ ...userEnv, KEYWARD_CONFIG_DIR: tempConfigDir() }, 'life-password-2')).code, 0)
  })

  test('users set-role, deactivate (login refused), reactivate, reset-password, delete', async () => {
    assert.equal((await json(['users', 'set-role', String(id), 'admin'])).role, 'admin')
    assert.equal((await json(['users', 'set-role', String(id), 'member'])).role, 'member')
    assert.match((await ok(['users', 'deactivate', String(id)])).stdout, /deactivated/)
    const refused = await login({ ...env, KEYWARD_CONFIG_DIR: tempConfigDir() }, 'life-password-2')
    assert.match(refused.stderr, /account_deactivated/)
    assert.match((await ok(['users', 'reactivate', String(id)])).stdout, /active/)
    await ok(['users', 'reset-password', String(id), '--password', 'life-password-3'])
    assert.equal((await login({ ...env, KEYWARD_CONFIG_DIR: tempConfigDir() }, 'life-password-3')).code, 0)
    assert.equal((await json(['users', 'delete', String(id), '--yes'])).deleted, true)
    assert.equal((await runCli(['users', 'get', String(id)], env)).code, 1)
    const me = (await json(['whoami'])).user.id
    const last = await runCli(['users', 'set-role', String(me), 'member'], env)
    assert.match(last.stderr, /last_admin, HTTP 409/)
  })
})
