import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN, TestServer } from '../helpers.js'
import { cleanEnv, expectSuccess, runCli, tempConfigDir } from './run-cli.js'

/** `keyward orgs …` and `--org <handle>` on key commands, as real processes against a listening server. */
describe('keyward orgs and --org', () => {
  let server: TestServer
  let env: Record<string, string>
  const { ok, json } = expectSuccess(() => env)

  before(async () => {
    server = await TestServer.start('sqlite')
    const url = await server.listen()
    env = cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: tempConfigDir() })
    await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
  })
  after(() => server.close())

  test('create an organization, an organization key with --org, list keys with --org, invite and accept', async () => {
    const org = await json(['orgs', 'create', '--handle', 'cli-co', '--name', 'CLI Co'])
    assert.equal(org.handle, 'cli-co')
    const created = await json(['keys', 'create', '--name', 'svc', '--org', 'cli-co'])
    assert.deepEqual(created.api_key.owner, { kind: 'organization', id: org.id })
    const mine = await ok(['keys', 'create', '--name', 'mine'])
    assert.match(mine.stderr, /Created key \d+ "mine" \(owner user:\d+\)/)
    const shown = await ok(['keys', 'create', '--name', 'svc2', '--org', 'cli-co'])
    assert.match(
      shown.stderr,
      new RegExp(`"svc2" \\(owner organization:${org.id}\\)`),
      'not "(user, owner organization:…)"',
    )
    const listed = await json(['keys', 'list', '--org', 'cli-co'])
    assert.deepEqual(
      listed.api_keys.map((k: { name: string }) => k.name),
      ['svc2', 'svc'], // newest first
    )
    const table = await ok(['orgs', 'list'])
    assert.match(table.stdout, /YOUR ROLE/)
    assert.match(table.stdout, /cli-co\s+CLI Co\s+owner/, 'your role in it')
    const inv = await ok(['orgs', 'invite', 'cli-co', '--email', 'cli-new@example.com', '--role', 'viewer'])
    const token = inv.stdout.trim()
    assert.match(token, /^kwinv_/)
    assert.match(
      inv.stderr,
      /not mailed \(no mail server is configured\): give them the token\. The token is shown only now/,
    )
    const newcomer = cleanEnv({ KEYWARD_URL: env.KEYWARD_URL!, KEYWARD_CONFIG_DIR: tempConfigDir() })
    const accepted = await runCli(['orgs', 'accept', token, '--new-account'], newcomer, 'cli-new-password-1\n')
    assert.equal(accepted.code, 0, accepted.stderr)
    assert.match(accepted.stderr, /Joined organization \d+ as viewer/)
    const members = await json(['orgs', 'members', 'cli-co'])
    assert.deepEqual(
      members.members.map((m: { email: string; role: string }) => [m.email, m.role]),
      [
        [ADMIN.email, 'owner'],
        ['cli-new@example.com', 'viewer'],
      ],
    )
  })

  test('--new-account opens the invited account even where someone else is signed in (no stored session is sent)', async () => {
    const inv = await ok(['orgs', 'invite', 'cli-co', '--email', 'cli-second@example.com', '--role', 'member'])
    // `env` holds the admin's stored session: sending it made the server take the admin as the acceptor (403).
    const accepted = await runCli(['orgs', 'accept', inv.stdout.trim(), '--new-account'], env, 'cli-new-password-2\n')
    assert.equal(accepted.code, 0, accepted.stderr)
    assert.match(accepted.stderr, /Joined organization \d+ as member \(cli-second@example\.com\)/)
    const still = await json(['whoami'])
    assert.equal(still.user.email, ADMIN.email, "the stored session is still the admin's")
  })

  test('--org and --owner together are a usage error (exit 2); an unknown handle is a refusal (exit 1)', async () => {
    const both = await runCli(['keys', 'create', '--name', 'x', '--org', 'cli-co', '--owner', 'user:1'], env)
    assert.equal(both.code, 2, both.stderr)
    const unknown = await runCli(['keys', 'list', '--org', 'nope'], env)
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /organization "nope" not found/)
  })

  test("every table's header row is in capitals, as keys list's (orgs and webhooks printed theirs in lower case)", async () => {
    const headers = async (args: string[]) => (await ok(args)).stdout.split('\n')[0] ?? ''
    assert.match(await headers(['orgs', 'list']), /^ID\s+HANDLE\s+NAME\s+PERSONAL\s+YOUR ROLE$/)
    assert.match(await headers(['orgs', 'members', 'cli-co']), /^USER\s+EMAIL\s+ROLE\s+SINCE$/)
    assert.match(await headers(['orgs', 'invitations', 'cli-co']), /^ID\s+EMAIL\s+ROLE\s+EXPIRES\s+USABLE$/)
    assert.match(await headers(['webhooks', 'list']), /^ID\s+URL\s+EVENTS\s+OWNER$/)
  })

  test("applications list and devices list take --org, as the API, SDK and dashboard's switcher do (a new user's find)", async () => {
    const fleet = await json(['applications', 'create', '--name', 'org-fleet', '--org', 'cli-co'])
    await ok(['applications', 'create', '--name', 'mine-fleet'])
    const apps = await json(['applications', 'list', '--org', 'cli-co'])
    assert.deepEqual(
      apps.applications.map((a: { slug: string }) => a.slug),
      ['cli-co/org-fleet'],
    )
    await ok(['devices', 'create', '--application', String(fleet.id), '--name', 'org-pi'])
    const devices = await json(['devices', 'list', '--org', 'cli-co'])
    assert.deepEqual(
      devices.devices.map((d: { name: string }) => d.name),
      ['org-pi'],
    )
  })
})
