import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ADMIN, TestServer } from '../helpers.js'
import { BIN, type CliResult, cleanEnv, expectSuccess, runCli, tempConfigDir } from './run-cli.js'

/** Runs the CLI under a pseudo-terminal (`script`), typing `answer` when asked: how a person at a terminal runs it. */
function runInTerminal(args: string[], env: Record<string, string>, answer: string): Promise<CliResult> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let answered = false
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (!answered && /Type (yes|its slug|its handle) to delete:/.test(stdout)) {
        answered = true
        child.stdin.write(`${answer}\r`)
      }
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr: '' }))
  })
}

describe('keyward CLI: what a new user trips over', () => {
  let server: TestServer
  let url: string
  let env: Record<string, string>
  const cli = (args: string[], e = env): Promise<CliResult> => runCli(args, e)
  const { ok, json } = expectSuccess(() => env)

  before(async () => {
    server = await TestServer.start('sqlite')
    url = await server.listen()
    env = cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: tempConfigDir() })
    await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
  })
  after(() => server.close())

  test('--version prints the package version', async () => {
    const r = await ok(['--version'])
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    assert.equal(r.stdout.trim(), pkg.version)
  })

  test('a usage error prints the error and one line pointing to --help, not the whole help', async () => {
    const r = await cli(['keys', 'create'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /required option '--name <name>' not specified/)
    assert.match(r.stderr, /run `keyward keys create --help` for usage/)
    assert.ok(r.stderr.trim().split('\n').length <= 2, r.stderr)
  })

  test("a command's own usage check points to that command's --help as commander's do; a cancel does not", async () => {
    const r = await cli(['keys', 'update', '1'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error: nothing to update: give at least one of --name/)
    assert.match(r.stderr, /\n\(run `keyward keys update --help` for usage\)\n$/)
    const orgs = await cli(['orgs', 'update', '1'])
    assert.equal(orgs.code, 2)
    assert.match(orgs.stderr, /^error: give --name or --handle\.\n\(run `keyward orgs update --help` for usage\)\n$/)
    const k = (await json(['keys', 'create', '--name', 'kept'])).api_key
    const cancelled = await runInTerminal(['keys', 'delete', String(k.id)], env, 'no')
    assert.equal(cancelled.code, 2)
    assert.match(cancelled.stdout, /cancelled: the key was not deleted/)
    assert.doesNotMatch(cancelled.stdout, /--help/)
  })

  test('an empty --scopes is refused, not made into a full-rights key; --clear scopes says so on purpose', async () => {
    const before = (await json(['keys', 'list', '--limit', '100'])).total
    const empty = await cli(['keys', 'create', '--name', 'from-empty-var', '--scopes', ''])
    assert.equal(empty.code, 2, empty.stderr)
    assert.match(empty.stderr, /no scope given: a key without scopes holds all of its owner's rights/)
    assert.equal((await json(['keys', 'list', '--limit', '100'])).total, before, 'no key was made')
    const k = (await json(['keys', 'create', '--name', 'narrow', '--scopes', 'invoices:read'])).api_key
    assert.equal((await cli(['keys', 'update', String(k.id), '--scopes', ' , '])).code, 2)
    const cleared = await json(['keys', 'update', String(k.id), '--clear', 'scopes'])
    assert.deepEqual(cleared.scopes, [])
  })

  test('a mistyped option is named as unknown, not reported as the required one missing', async () => {
    const r = await cli(['keys', 'create', '--nmae', 'x'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /unknown option '--nmae'\n\(Did you mean --name\?\)/)
    assert.doesNotMatch(r.stderr, /required option/)
    const hooks = await cli(['webhooks', 'create', '--url', 'https://example.com/h', '--event', 'key.created'])
    assert.equal(hooks.code, 2)
    assert.match(hooks.stderr, /unknown option '--event'/)
  })

  test('a start that fails says why in one line, without a stack (unless the log level is debug)', async () => {
    const unreachable = ['migrate', '--database-url', 'postgres://nobody@127.0.0.1:9/x']
    const r = await cli(unreachable)
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error: connect ECONNREFUSED 127\.0\.0\.1:9 \(ECONNREFUSED\)\n$/)
    // A file where the database's folder should be.
    const file = join(tempConfigDir(), 'a-file')
    writeFileSync(file, '')
    const cantOpen = await cli(['migrate', '--database-url', `sqlite:${file}/x.db`])
    assert.equal(cantOpen.code, 1)
    assert.match(cantOpen.stderr, /^error: EEXIST: file already exists, mkdir '.*a-file' \(EEXIST\)\n$/)
    const debug = await cli(unreachable, { ...env, KEYWARD_LOG_LEVEL: 'debug' })
    assert.match(debug.stderr, /\n\s+at /, 'the stack, when asked for')
  })

  test('a bad id is a usage error (exit 2) before any request', async () => {
    // Nothing listens on this URL: a request would fail with exit 1, not 2.
    const offline = { ...env, KEYWARD_URL: 'http://127.0.0.1:9' }
    for (const args of [
      ['keys', 'get', 'abc'],
      ['keys', 'delete', '0', '--yes'],
      ['users', 'get', '1.5'],
      ['keys', 'usage', '-3'],
      ['keys', 'get', '99999999999'],
    ]) {
      const r = await cli(args, offline)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /ids are whole numbers from 1 to 2147483647|unknown option/)
    }
    for (const args of [
      ['keys', 'list', '--limit', '0'],
      ['audit', '--limit', '0'],
      ['keys', 'usage', '1', '--days', '0'],
    ]) {
      const r = await cli(args, offline)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /at least 1/)
    }
  })

  test('finds the stored login whether the URL says localhost, 127.0.0.1 or has a trailing slash', async () => {
    const port = new URL(url).port
    for (const u of [`http://localhost:${port}`, `http://127.0.0.1:${port}/`, `http://LOCALHOST:${port}/`]) {
      const me = JSON.parse((await cli(['whoami', '--json'], { ...env, KEYWARD_URL: u })).stdout)
      assert.equal(me.user.email, ADMIN.email, u)
    }
  })

  test("without a login, says so and how to log in, instead of the server's raw 401", async () => {
    const fresh = { ...env, KEYWARD_CONFIG_DIR: tempConfigDir() }
    const r = await cli(['keys', 'list'], fresh)
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`not logged in to ${url}; run \`keyward login --url ${url}\``))
    const bad = await cli(['login', '--email', ADMIN.email, '--password', 'wrong-password'], fresh)
    assert.doesNotMatch(bad.stderr, /not logged in/, 'a failed login says the credentials were wrong')
  })

  test("lists applications, devices, the audit trail, a key's usage and one user", async () => {
    const app = await json(['applications', 'create', '--name', 'fleet-1'])
    assert.equal(app.name, 'fleet-1')
    assert.equal((await json(['applications', 'list'])).applications.length, 1)
    assert.equal((await json(['applications', 'get', app.slug])).id, app.id)
    assert.match((await cli(['applications', 'get', app.slug], env)).stdout, /^created by:\s+user:\d+$/m)
    const dev = await json(['devices', 'create', '--application', String(app.id), '--name', 'pi'])
    assert.deepEqual(
      (await json(['devices', 'list', '--application', String(app.id)])).devices.map((d: { id: number }) => d.id),
      [dev.id],
    )
    assert.equal((await json(['devices', 'get', dev.uuid])).id, dev.id)
    const k = (await json(['keys', 'create', '--name', 'metered'])).api_key
    await server.verify(await server.adminToken(), (await server.createKey(await server.adminToken())).key)
    const usage = await json(['keys', 'usage', String(k.id), '--days', '7'])
    assert.equal(usage.days.length, 7)
    const audit = await json(['audit', '--action', 'key.create', '--limit', '5'])
    assert.ok(audit.events.length >= 1 && audit.events.every((e: { action: string }) => e.action === 'key.create'))
    const table = await ok(['audit', '--limit', '3'])
    assert.match(table.stdout, /^ID\s+AT\s+ACTOR\s+ACTION/)
    // Actors in words, as the dashboard names them: the admin by email; a failed login's caller is anonymous.
    assert.match(table.stdout, new RegExp(`Z {2}user ${ADMIN.email.replace(/\./g, '\\.')} +key\\.create`))
    const other = cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: tempConfigDir() })
    assert.equal((await cli(['login', '--email', ADMIN.email, '--password', 'not-the-password'], other)).code, 1)
    assert.match((await ok(['audit', '--limit', '1'])).stdout, /Z {2}anonymous +\S+/)
    // One target as the TARGET column names it: key k's entries only, not user k's or application k's.
    const about = await json(['audit', '--target', `api_key:${k.id}`])
    assert.deepEqual(
      about.events.map((e: { action: string; target_type: string }) => [e.action, e.target_type]),
      [['key.create', 'api_key']],
    )
    const unknown = await cli(['audit', '--target', `key:${k.id}`], env)
    assert.equal(unknown.code, 2, unknown.stderr)
    assert.match(unknown.stderr, /types: api_key, application/)
    assert.equal((await json(['users', 'get', '1'])).email, ADMIN.email)
  })

  test('keys list sorts by --sort/--order', async () => {
    for (const name of ['b-key', 'a-key', 'c-key']) await ok(['keys', 'create', '--name', name])
    const names = (await json(['keys', 'list', '--sort', 'name', '--order', 'asc', '--q', '-key'])).api_keys.map(
      (k: { name: string }) => k.name,
    )
    assert.deepEqual(names, ['a-key', 'b-key', 'c-key'])
    const r = await cli(['keys', 'list', '--sort', 'colour'])
    assert.equal(r.code, 2)
  })

  test('keys delete asks on a terminal (anything but yes keeps the key); --yes skips the question', async () => {
    const k = (await json(['keys', 'create', '--name', 'to-delete'])).api_key
    const kept = await runInTerminal(['keys', 'delete', String(k.id)], env, 'no')
    assert.match(kept.stdout, /Delete key \d+ "to-delete" for good\?/)
    assert.equal(kept.code, 2)
    assert.equal((await json(['keys', 'get', String(k.id)])).id, k.id, 'still there')
    const gone = await runInTerminal(['keys', 'delete', String(k.id)], env, 'yes')
    assert.equal(gone.code, 0, gone.stdout)
    assert.equal((await cli(['keys', 'get', String(k.id)])).code, 1)
    const k2 = (await json(['keys', 'create', '--name', 'to-delete-2'])).api_key
    await ok(['keys', 'delete', String(k2.id), '--yes'])
  })

  test('applications rename, and delete with their devices and keys (asking on a terminal for the slug); devices delete', async () => {
    const org = await json(['orgs', 'create', '--name', 'CLI Fleet Co', '--handle', 'cli-fleet-co'])
    const app = await json(['applications', 'create', '--name', 'north', '--org', 'cli-fleet-co'])
    assert.equal(app.slug, 'cli-fleet-co/north')
    const renamed = await ok(['applications', 'rename', 'CLI-Fleet-Co/North', 'south'])
    assert.match(
      renamed.stdout,
      new RegExp(`Renamed application ${app.id} to "south" \\(slug cli-fleet-co/south\\)\\.`),
    )
    const dev = await json(['devices', 'create', '--application', String(app.id)])
    const key = await server.createKey(await server.adminToken(), { owner: { kind: 'device', id: dev.id } })
    const lone = await json(['devices', 'create', '--application', String(app.id), '--name', 'lone'])
    const loneKey = await server.createKey(await server.adminToken(), { owner: { kind: 'device', id: lone.id } })
    const asked = await runInTerminal(['devices', 'delete', String(lone.id)], env, 'no')
    assert.match(asked.stdout, /Delete device lone and all its keys\?/)
    assert.equal(asked.code, 2)
    await ok(['devices', 'delete', String(lone.id), '--yes'])
    assert.equal((await server.verify(await server.adminToken(), loneKey.key)).code, 'NOT_FOUND')
    const kept = await runInTerminal(['applications', 'delete', String(app.id)], env, 'yes')
    assert.match(kept.stdout, /Delete application cli-fleet-co\/south, its devices and all their keys\?/)
    assert.equal(kept.code, 2, 'only the slug confirms')
    assert.equal((await json(['applications', 'get', String(app.id)])).slug, 'cli-fleet-co/south', 'still there')
    const gone = await runInTerminal(['applications', 'delete', String(app.id)], env, 'cli-fleet-co/south')
    assert.equal(gone.code, 0, gone.stdout)
    assert.equal((await cli(['devices', 'get', String(dev.id)])).code, 1)
    assert.equal((await server.verify(await server.adminToken(), key.key)).code, 'NOT_FOUND')
    // An organization's deletion ends all its keys: asked on a terminal too (helper-125), the handle confirms.
    const orgKept = await runInTerminal(['orgs', 'delete', String(org.id)], env, 'yes')
    assert.match(orgKept.stdout, /Delete organization cli-fleet-co and all its keys\?/)
    assert.equal(orgKept.code, 2)
    const deleted = await runInTerminal(['orgs', 'delete', 'cli-fleet-co'], env, 'cli-fleet-co')
    assert.equal(deleted.code, 0, deleted.stdout)
  })

  test('help says what refill and scopes really do', async () => {
    const help = (await ok(['keys', 'create', '--help'])).stdout
    assert.match(help, /reset the budget to n every interval \(not add n\)/)
    assert.match(help, /invoices:read/)
    assert.doesNotMatch(help, /read:users/)
  })
})
