import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { TestServer } from '../helpers.js'
import { cleanEnv, runCli, tempConfigDir } from './run-cli.js'

/**
 * What the CLI prints comes partly from other people: a member's key name reaches an admin's
 * `keys list`. Its control characters must not drive the admin's terminal (OSC 52 writes the
 * clipboard, CSI 2K + CR erases the line, a line break forges a row): they print as escapes.
 * They reached the terminal raw (an attacker's find).
 */
describe('the CLI prints others’ text without its control characters', () => {
  let s: TestServer
  let admin: string
  let url: string
  before(async () => {
    s = await TestServer.start('sqlite')
    admin = await s.adminToken()
    url = await s.listen()
  })
  after(() => s.close())

  it('keys list, keys get and --json show ESC, CR, LF, C1 and bidi overrides as escapes', async () => {
    const m = await s.member('mallory', admin)
    const name = 'x\x1b]52;c;Y3VybA==\x07\x1b[2K\rFAKE-ROW\nID 1 all good \u009b31m \u202eevil'
    const k = await s.createKey(m.token, { name, description: 'd\x1b[31mred\x1b[0m' })
    await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: m.token, body: { reason: 'r\x1b[8mhidden' } })
    const env = cleanEnv({ KEYWARD_URL: url, KEYWARD_TOKEN: admin, KEYWARD_CONFIG_DIR: tempConfigDir() })
    const list = await runCli(['keys', 'list'], env)
    const get = await runCli(['keys', 'get', String(k.id)], env)
    const json = await runCli(['keys', 'get', String(k.id), '--json'], env)
    for (const out of [list.stdout, get.stdout, json.stdout]) {
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, JSON.stringify(out))
    }
    assert.match(list.stdout, /x\\x1b\]52;c;Y3VybA==\\x07\\x1b\[2K\\x0dFAKE-ROW\\x0aID 1 all good \\x9b31m \\u202eevil/)
    assert.equal(list.stdout.trimEnd().split('\n').length, 2, 'a header and one row')
    assert.match(get.stdout, /description: +d\\x1b\[31mred\\x1b\[0m/)
    assert.match(get.stdout, /\(r\\x1b\[8mhidden\)/)
    assert.equal(JSON.parse(json.stdout).name, name, 'JSON still carries the name exactly')
  })

  it('an error message quoting someone’s text shows its control characters as escapes', async () => {
    const m = await s.member('mallet', admin)
    const env = cleanEnv({ KEYWARD_URL: url, KEYWARD_TOKEN: m.token, KEYWARD_CONFIG_DIR: tempConfigDir() })
    const name = 'dup\x1b[2K\rok'
    await s.createKey(m.token, { name })
    const again = await runCli(['keys', 'create', '--name', name], env)
    assert.equal(again.code, 1, again.stderr)
    assert.match(again.stderr, /dup\\x1b\[2K\\x0dok/)
    assert.ok(!again.stderr.includes('\x1b'), JSON.stringify(again.stderr))
  })
})
