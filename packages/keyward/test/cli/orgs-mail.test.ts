import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ADMIN, TestServer } from '../helpers.js'
import { type SmtpReceiver, smtpReceiver } from '../smtp-receiver.js'
import { cleanEnv, expectSuccess, runCli, tempConfigDir } from './run-cli.js'

/** `keyward orgs invite` against a server with a mail server: the token is in the invitee's mail, not on stdout. */
describe('keyward orgs invite with KEYWARD_SMTP_URL', () => {
  let smtp: SmtpReceiver
  let server: TestServer
  let env: Record<string, string>
  const { ok, json } = expectSuccess(() => env)

  before(async () => {
    smtp = await smtpReceiver({ refuse: (address) => address.startsWith('refused') })
    server = await TestServer.start('sqlite', { env: { KEYWARD_SMTP_URL: smtp.url } })
    env = cleanEnv({ KEYWARD_URL: await server.listen(), KEYWARD_CONFIG_DIR: tempConfigDir() })
    await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
    await ok(['orgs', 'create', '--handle', 'mail-co', '--name', 'Mail Co'])
  })
  after(async () => {
    await server?.close()
    await smtp?.close()
  })

  test('prints no token, says where it went; the invitee accepts with the mailed one', async () => {
    const inv = await ok(['orgs', 'invite', 'mail-co', '--email', 'mailed@example.com', '--role', 'viewer'])
    assert.equal(inv.stdout, '', 'nothing on stdout: the inviter holds no token')
    assert.match(inv.stderr, /mailed to mailed@example\.com: the token is only in that mail/)
    assert.doesNotMatch(inv.stderr, /kwinv_/)
    const token = smtp.tokenFor('mailed@example.com')!
    const newcomer = cleanEnv({ KEYWARD_URL: env.KEYWARD_URL!, KEYWARD_CONFIG_DIR: tempConfigDir() })
    const accepted = await runCli(['orgs', 'accept', token, '--new-account'], newcomer, 'mailed-password-1\n')
    assert.equal(accepted.code, 0, accepted.stderr)
    assert.match(accepted.stderr, /Joined organization \d+ as viewer \(mailed@example\.com\)/)
  })

  test('--json carries what the server answered: token null, mailed true', async () => {
    const r = await json(['orgs', 'invite', 'mail-co', '--email', 'json@example.com', '--role', 'member'])
    assert.deepEqual([r.token, r.mailed, r.invitation.email], [null, true, 'json@example.com'])
  })

  test('a mail the server refuses fails (exit 1, mail_failed) and prints no token', async () => {
    const r = await runCli(['orgs', 'invite', 'mail-co', '--email', 'refused@example.com'], env)
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /could not be mailed to refused@example\.com/)
    assert.equal(r.stdout, '')
  })
})
