import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ADMIN, TestServer } from '../helpers.js'
import { type CliResult, cleanEnv, expectSuccess, runCli, tempConfigDir } from './run-cli.js'

/**
 * The client commands of the CLI, run as real processes against a real listening server.
 * (The CLI talks HTTP only, so one store is enough here; the SDK and serve suites cover both.)
 */
describe('keyward CLI client commands', () => {
  let server: TestServer
  let url: string
  let configDir: string
  let env: Record<string, string>
  const cli = (args: string[], input = ''): Promise<CliResult> => runCli(args, env, input)
  const { ok, json } = expectSuccess(() => env)

  before(async () => {
    server = await TestServer.start('sqlite')
    url = await server.listen()
    configDir = tempConfigDir()
    env = cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: configDir })
    await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
  })
  after(() => server.close())

  test('login stores the session token in credentials.json, mode 0600, and never prints it', async () => {
    const r = await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
    assert.match(r.stdout, new RegExp(`Logged in to ${url} as ${ADMIN.email} \\(admin\\)`))
    const path = join(configDir, 'credentials.json')
    assert.equal(statSync(path).mode & 0o777, 0o600)
    const token = JSON.parse(readFileSync(path, 'utf8')).servers[url].token as string
    assert.ok(token.length > 20)
    assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token))
    const me = await json(['whoami'])
    assert.equal(me.via, 'session')
    assert.equal(me.user.email, ADMIN.email)
  })

  test('login reads the password from KEYWARD_PASSWORD or stdin (no echo); a wrong one exits 1', async () => {
    const dir = tempConfigDir()
    const env2 = { ...env, KEYWARD_CONFIG_DIR: dir }
    assert.equal(
      (await runCli(['login', '--email', ADMIN.email], { ...env2, KEYWARD_PASSWORD: ADMIN.password })).code,
      0,
    )
    const piped = await runCli(['login', '--email', ADMIN.email], env2, `${ADMIN.password}\n`)
    assert.equal(piped.code, 0, piped.stderr)
    assert.ok(
      !piped.stdout.includes(ADMIN.password) && !piped.stderr.includes(ADMIN.password),
      'the password is not echoed',
    )
    const bad = await runCli(['login', '--email', ADMIN.email, '--password', 'wrong-password'], env2)
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^error: .*\(unauthorized, HTTP 401\)/m)
    const noInput = await runCli(['login', '--email', ADMIN.email], env2, '')
    assert.equal(noInput.code, 2, 'no password anywhere is a usage error')
    // Two answers piped, one line each: the email, then the password (a reader per prompt took both).
    const both = await runCli(
      ['login'],
      { ...env2, KEYWARD_CONFIG_DIR: tempConfigDir() },
      `${ADMIN.email}\n${ADMIN.password}\n`,
    )
    assert.equal(both.code, 0, both.stderr)
    const short = await runCli(['login'], { ...env2, KEYWARD_CONFIG_DIR: tempConfigDir() }, `${ADMIN.email}\n`)
    assert.equal(short.code, 2, short.stderr)
    assert.match(short.stderr, /no input for "Password/)
  })

  test('keys create prints the secret once on stdout and the warning on stderr; the secret verifies', async () => {
    const r = await ok([
      'keys',
      'create',
      '--name',
      'Production Service',
      '--scopes',
      'read:users,write:users',
      '--rate-limit-per-minute',
      '100',
      '--expires-at',
      '2099-12-31T23:59:59Z',
      '--meta',
      '{"team":"core"}',
    ])
    const secret = r.stdout.trim()
    assert.match(secret, /^kw_[0-9A-Za-z]+$/)
    assert.match(r.stderr, /shown only this once/)
    assert.doesNotMatch(r.stderr, /no scopes/, 'a scoped key is not called full access')
    // Repeated, --scopes adds up (it kept only the last, silently: a new user's find).
    const repeated = await json(['keys', 'create', '--name', 'two-flags', '--scopes', 'a:x', '--scopes', 'b:y,a:x'])
    assert.deepEqual(repeated.api_key.scopes, ['a:x', 'b:y'])
    const full = await ok(['keys', 'create', '--name', 'no-scopes'])
    assert.match(full.stderr, /no scopes: on Keyward's API it holds all of its owner's rights/)
    assert.equal((await server.verify(await server.adminToken(), secret, ['read:users'])).code, 'VALID')
    const listed = await json(['keys', 'list', '-q', 'Production'])
    assert.equal(listed.total, 1)
    assert.deepEqual(listed.api_keys[0].rate_limit, { limit: 100, window_s: 60 })
    assert.deepEqual(listed.api_keys[0].meta, { team: 'core' })
    assert.ok(!JSON.stringify(listed).includes(secret), 'listings never show the secret')
    // Its visible start finds it, as does any start of that, pasted with the blanks around it.
    for (const start of [listed.api_keys[0].key_prefix, ` ${secret.slice(0, 7)} `]) {
      const found = await json(['keys', 'list', '--prefix', start])
      assert.deepEqual(
        found.api_keys.map((k: { id: number }) => k.id),
        [listed.api_keys[0].id],
      )
    }
    // The keys holding one scope: the scoped key, not the one without scopes.
    const holding = await json(['keys', 'list', '--scope', 'read:users'])
    assert.deepEqual(
      holding.api_keys.map((k: { id: number }) => k.id),
      [listed.api_keys[0].id],
    )
  })

  test('keys create --json gives {key, api_key}; --owner, --prefix, --rate-limit, --remaining, --refill pass through', async () => {
    const app = await server.request('POST', '/v1/applications', {
      token: await server.adminToken(),
      body: { name: 'cli-fleet' },
    })
    const r = await json([
      'keys',
      'create',
      '--name',
      'prov',
      '--owner',
      `application:${app.body.id}`,
      '--prefix',
      'fleet',
      '--rate-limit',
      '10/1m',
      '--remaining',
      '50',
      '--refill',
      '5/1h',
    ])
    assert.match(r.key, /^fleet_/)
    assert.equal(r.api_key.kind, 'provisioning')
    assert.deepEqual(r.api_key.rate_limit, { limit: 10, window_s: 60 })
    assert.equal(r.api_key.remaining, 50)
    assert.deepEqual(r.api_key.refill, { amount: 5, interval_s: 3600 })
    const owned = await json(['keys', 'list', '--owner', `application:${app.body.id}`, '--kind', 'provisioning'])
    assert.deepEqual(
      owned.api_keys.map((k: { id: number }) => k.id),
      [r.api_key.id],
    )
  })

  test('keys list prints a table; get shows every field', async () => {
    const { api_key } = await json(['keys', 'create', '--name', 'table-me'])
    const list = await ok(['keys', 'list', '--status', 'active'])
    const [header, ...rows] = list.stdout.trimEnd().split('\n')
    assert.match(header!, /^ID\s+NAME\s+PREFIX\s+KIND\s+OWNER\s+STATUS\s+SCOPES\s+EXPIRES\s+LAST USED$/)
    assert.ok(
      rows.some(
        (row) => row.startsWith(`${api_key.id} `) && row.includes('table-me') && row.includes(`${api_key.key_prefix}…`),
      ),
    )
    assert.match(list.stderr, /of \d+ key\(s\)/)
    const get = await ok(['keys', 'get', String(api_key.id)])
    assert.match(get.stdout, /^name:\s+table-me$/m)
    assert.match(get.stdout, /^status:\s+active$/m)
  })

  test('lifecycle: update, expire, disable, enable, roll, revoke, delete; verify exits 0 or 3', async () => {
    const { key, api_key } = await json(['keys', 'create', '--name', 'cycle'])
    const id = String(api_key.id)
    assert.equal((await ok(['keys', 'verify', key])).stdout.trim().startsWith('VALID'), true)
    assert.equal((await json(['keys', 'update', id, '--name', 'cycle-2', '--description', 'd'])).name, 'cycle-2')
    assert.equal((await json(['keys', 'update', id, '--expires-at', '2000-01-01T00:00:00Z'])).status, 'expired')
    const expired = await cli(['keys', 'verify', key])
    assert.equal(expired.code, 3)
    assert.match(expired.stdout, /refused: EXPIRED/)
    assert.equal((await json(['keys', 'update', id, '--clear', 'expires-at'])).status, 'active')
    await json(['keys', 'update', id, '--meta', '{"plan":"pro"}', '--rate-limit', '10/60'])
    // Both limit spellings at once (the API takes one field): every limit goes; meta clears to none.
    const cleared = await json(['keys', 'update', id, '--clear', 'rate-limit,ratelimits,meta'])
    assert.deepEqual([cleared.ratelimits, cleared.rate_limit, cleared.meta], [[], null, {}])
    // "never", as the help offers it, on update and create (it was sent as "": a 400).
    await json(['keys', 'update', id, '--expires-at', '2000-01-01T00:00:00Z'])
    const unexpired = await json(['keys', 'update', id, '--expires-at', 'never'])
    assert.deepEqual([unexpired.status, unexpired.expires_at], ['active', null])
    assert.equal(
      (await json(['keys', 'create', '--name', 'forever', '--expires-at', 'never'])).api_key.expires_at,
      null,
    )

    assert.match((await ok(['keys', 'disable', id])).stdout, /is disabled/)
    const disabled = await cli(['keys', 'verify', key, '--json'])
    assert.equal(disabled.code, 3)
    assert.equal(JSON.parse(disabled.stdout).code, 'DISABLED')
    assert.match((await ok(['keys', 'enable', id])).stdout, /is active/)

    const rolled = await ok(['keys', 'roll', id, '--grace-period', '600'])
    const newKey = rolled.stdout.trim()
    assert.notEqual(newKey, key)
    assert.match(rolled.stderr, /shown only this once/)
    // When the old secret stops working, in the CLI's one time format (a new user's find: never said).
    assert.match(
      rolled.stderr,
      /the old secret keeps working until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(keyward keys end-grace/,
    )
    // The key from stdin: it stays out of the process list.
    assert.equal((await ok(['keys', 'verify'], `${newKey}\n`)).code, 0)
    assert.equal((await ok(['keys', 'verify', key])).code, 0, 'the old secret works during the grace period')
    const expires_at = new Date(Date.now() + 300_000).toISOString()
    const made = await server.request('POST', '/v1/keys', { token: key, body: { name: 'by-old', expires_at } })
    assert.equal(made.status, 201, made.text)
    // A key keeps one replaced secret: a second roll ends the first one's at once, and says so (a new user's find),
    // with how many keys went with it (it said "any keys it made", a guess, before the answer counted them).
    const again = await ok(['keys', 'roll', id])
    assert.match(again.stderr, /the secret the last roll replaced \(in its grace period until .+\) stopped working/)
    assert.match(again.stderr, /1 key\(s\) it made during its grace period were revoked/)
    const twice = again.stdout.trim()
    assert.equal((await cli(['keys', 'verify', key, '--json'])).code, 3, 'the first secret is gone')
    const bare = (await ok(['keys', 'roll', id])).stderr
    assert.doesNotMatch(bare, /the last roll replaced/, 'no grace left: nothing to say of it')
    assert.match(bare, /the old secret stopped working now/)
    assert.equal((await cli(['keys', 'verify', twice, '--json'])).code, 3)
    // An exposed old secret: end its grace period without rolling again.
    const exposed = (await ok(['keys', 'roll', id])).stdout.trim()
    const current = (await ok(['keys', 'roll', id, '--grace-period', '600'])).stdout.trim()
    assert.equal((await ok(['keys', 'verify', exposed])).code, 0, 'in its grace period')
    assert.match((await ok(['keys', 'end-grace', id])).stdout, /only its current secret works/)
    assert.equal((await cli(['keys', 'verify', exposed, '--json'])).code, 3, 'ended early')
    assert.equal((await ok(['keys', 'verify', current])).code, 0)
    // A refusal for scopes names the ones missing.
    const unscoped = await cli(['keys', 'verify', current, '--scopes', 'orders:read', '--scopes', 'orders:write'])
    assert.equal(unscoped.code, 3, unscoped.stderr)
    assert.match(unscoped.stderr, /it lacks orders:read, orders:write \(it holds: none\)/)

    assert.equal((await json(['keys', 'revoke', id, '--reason', 'rotated'])).revoked_reason, 'rotated')
    const revokedTwice = await ok(['keys', 'revoke', id, '--reason', 'again'])
    assert.match(revokedTwice.stdout, /was already revoked \(\d{4}-.+Z: rotated\); its record is unchanged/)
    assert.equal((await cli(['keys', 'verify', newKey, '--json'])).code, 3)
    assert.match((await ok(['keys', 'delete', id])).stdout, /deleted/)
    const gone = await cli(['keys', 'get', id])
    assert.equal(gone.code, 1)
    assert.match(gone.stderr, /error: .*not found \(not_found, HTTP 404\)/)
  })

  test('keys list --created-by-key names what a key made; revoke --minted ends them with it', async () => {
    const root = await json(['keys', 'create', '--name', 'cli-root'])
    const made = await server.createKey(root.key as string, { name: 'cli-made', scopes: ['orders:read'] })
    const listed = await json(['keys', 'list', '--created-by-key', String(root.api_key.id)])
    assert.deepEqual(
      listed.api_keys.map((k: { id: number }) => k.id),
      [made.id],
    )
    const shown = await ok(['keys', 'get', String(made.id)])
    assert.match(shown.stdout, new RegExp(`^created with key:\\s+${root.api_key.id}$`, 'm'))
    const preview = await ok(['keys', 'made', String(root.api_key.id)])
    assert.match(
      preview.stdout,
      new RegExp(`would revoke key ${root.api_key.id} and 1 key\\(s\\) made from it .* clear 0`),
    )
    const revoked = await ok(['keys', 'revoke', String(root.api_key.id), '--minted'])
    assert.match(revoked.stdout, new RegExp(`Key ${root.api_key.id} is revoked, with 1 key\\(s\\) made from it`))
    assert.equal((await cli(['keys', 'verify', made.key, '--json'])).code, 3)
    assert.deepEqual(await json(['keys', 'made', String(root.api_key.id)]), {
      keys: 0,
      passwords: 0,
      own_password: false,
      webhooks: 0,
    })
  })

  test('users create and list; a member cannot create users (exit 1, forbidden)', async () => {
    const u = await json([
      'users',
      'create',
      '--email',
      'cli-member@example.com',
      '--password',
      'member-password-1',
      '--role',
      'member',
    ])
    assert.equal(u.role, 'member')
    const list = await ok(['users', 'list'])
    assert.ok(
      list.stdout.split('\n').some((row) => row.startsWith(`${u.id} `) && row.includes('cli-member@example.com')),
    )
    assert.equal((await json(['users', 'list'])).users.length, 2)
    const piped = await cli(['users', 'create', '--email', 'cli-piped@example.com'], 'piped-password-1\n')
    assert.equal(piped.code, 0, piped.stderr)

    const memberEnv = { ...env, KEYWARD_CONFIG_DIR: tempConfigDir() }
    assert.equal(
      (await runCli(['login', '--email', 'cli-member@example.com', '--password', 'member-password-1'], memberEnv)).code,
      0,
    )
    const refused = await runCli(['users', 'create', '--email', 'x@example.com', '--password', 'xxxxxxxx1'], memberEnv)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /forbidden, HTTP 403/)
  })

  test('--token and KEYWARD_TOKEN take an API key; a token stored for one URL is not sent to another', async () => {
    const { key } = await json(['keys', 'create', '--name', 'cli-reader', '--scopes', 'keys:read'])
    const viaFlag = JSON.parse(
      (await runCli(['whoami', '--json', '--token', key], { ...env, KEYWARD_CONFIG_DIR: tempConfigDir() })).stdout,
    )
    assert.equal(viaFlag.via, 'key')
    const viaEnv = await runCli(['keys', 'create', '--name', 'escalate'], { ...env, KEYWARD_TOKEN: key })
    assert.equal(viaEnv.code, 1)
    assert.match(viaEnv.stderr, /forbidden/)
    // A key that may roll but not read keys rolls (the roll's note reads the key first, and may not: a reviewer's find).
    const roller = await json(['keys', 'create', '--name', 'cli-roller', '--scopes', 'keys:write'])
    const rolled = await runCli(['keys', 'roll', String(roller.api_key.id), '--grace-period', '600'], {
      ...env,
      KEYWARD_TOKEN: roller.key,
    })
    assert.equal(rolled.code, 0, rolled.stderr)
    // The replaced secret still works for its grace period: whoami says until when.
    const old = await runCli(['whoami', '--token', roller.key], { ...env, KEYWARD_CONFIG_DIR: tempConfigDir() })
    assert.match(
      old.stdout,
      /This is a rolled-away secret: it stops working .*Use the key's new secret \(it starts kw_\w+…\)\./,
    )
    // The start shown is the secret's in use, not the key's current one (a note left from the last session).
    const current = (await json(['keys', 'get', String(roller.api_key.id)])).key_prefix as string
    assert.notEqual(current, roller.api_key.key_prefix)
    assert.match(
      old.stdout,
      new RegExp(`^via:\\s+API key ${roller.api_key.id} \\(${roller.api_key.key_prefix}…\\)$`, 'm'),
    )
    assert.ok(old.stdout.includes(`it starts ${current}…`))
    const verified = await cli(['keys', 'verify', roller.key])
    assert.equal(verified.code, 0, verified.stderr)
    assert.match(verified.stdout + verified.stderr, /this is a rolled-away secret: it stops working .*new secret/)
    // Another server on this machine (another port) is another origin: the stored token is not sent there.
    const seen: (string | undefined)[] = []
    const other = createServer((req, res) => {
      seen.push(req.headers.authorization)
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthorized","message":"no"}}')
    })
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    try {
      const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`
      const r = await cli(['whoami', '--url', otherUrl])
      assert.equal(r.code, 1)
      assert.match(r.stderr, new RegExp(`not logged in to ${otherUrl}`))
      assert.deepEqual(seen, [undefined], 'the request reached the other server without a token')
    } finally {
      other.close()
    }
  })

  test("--url, --token and --json may come before the command; the command's own win", async () => {
    const { key } = await json(['keys', 'create', '--name', 'cli-global', '--scopes', 'keys:read'])
    const noUrl = { ...env, KEYWARD_URL: 'http://127.0.0.1:1', KEYWARD_CONFIG_DIR: tempConfigDir() }
    const before = await runCli(['--url', env.KEYWARD_URL!, '--token', key, '--json', 'whoami'], noUrl)
    assert.equal(before.code, 0, before.stderr)
    assert.equal(JSON.parse(before.stdout).via, 'key')
    const both = await runCli(
      ['--url', 'http://127.0.0.1:1', 'whoami', '--url', env.KEYWARD_URL!, '--token', key],
      noUrl,
    )
    assert.equal(both.code, 0, `the command's --url wins: ${both.stderr}`)
  })

  test('usage errors exit 2 before any request; an unreachable server exits 1', async () => {
    for (const args of [
      ['keys', 'create'], // --name is required
      ['keys', 'create', '--name', 'x', '--owner', 'team:1'],
      ['keys', 'create', '--name', 'x', '--rate-limit', 'fast'],
      ['keys', 'list', '--status', 'sleeping'],
      ['keys', 'list', '--limit', '501'], // the server's cap, checked before the request
      ['keys', 'usage', '1', '--days', '367'], // the server's cap too (it answered 400, exit 1: a new user's find)
      ['keys', 'list', '--prefix', ' '], // a start is checked before the request too
      ['keys', 'list', '--scope', 'a b'], // one scope, as the server takes it
      ['keys', 'update', '1', '--meta', '{}', '--clear', 'meta'], // set and cleared: which was meant?
      ['keys', 'update', '1', '--rate-limit', '10/60', '--clear', 'ratelimits'],
      ['keys', 'update', '1'],
      ['keys', 'frobnicate'],
      ['whoami', '--url', 'ftp://example.com'],
    ]) {
      const r = await cli(args)
      assert.equal(r.code, 2, `keyward ${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /error/)
    }
    const down = await cli(['whoami', '--url', 'http://127.0.0.1:1'])
    assert.equal(down.code, 1)
    assert.match(down.stderr, /cannot reach Keyward at http:\/\/127\.0\.0\.1:1: .*\(network_error\)/)
  })

  test('logout ends the session on the server and forgets it', async () => {
    const dir = tempConfigDir()
    const env2 = { ...env, KEYWARD_CONFIG_DIR: dir }
    assert.equal((await runCli(['login', '--email', ADMIN.email, '--password', ADMIN.password], env2)).code, 0)
    const token = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')).servers[url].token as string
    const out = await runCli(['logout'], env2)
    assert.equal(out.code, 0)
    assert.match(out.stdout, /Logged out/)
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')).servers, {})
    assert.equal(
      (await server.request('GET', '/v1/auth/whoami', { token })).status,
      401,
      'the server ended the session',
    )
    assert.equal((await runCli(['whoami'], env2)).code, 1)
  })
})
