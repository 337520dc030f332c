import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ADMIN, TestServer } from '../helpers.js'
import { BIN, cleanEnv, expectSuccess, runCli, tempConfigDir } from './run-cli.js'

const LINES = 100_000
const BAD_JSON_LINE = 3
const BAD_HASH_LINE = 54_321

/** A 100,000-line JSONL file: each key with an external_id, two broken lines among them. */
function writeFile(path: string): void {
  const out: string[] = []
  for (let n = 1; n <= LINES; n++) {
    if (n === BAD_JSON_LINE) out.push('{"plaintext": ')
    else if (n === BAD_HASH_LINE) out.push(JSON.stringify({ hash: { value: 'xyz', variant: 'sha256_hex' } }))
    else out.push(JSON.stringify({ plaintext: `imp_${randomBytes(24).toString('hex')}`, external_id: `e${n}` }))
  }
  writeFileSync(path, out.join('\n') + '\n')
}

/** `keyward keys import` of a 100,000-line file, as a real process: progress, rejected lines, resume. */
describe('keyward keys import <file.jsonl>', () => {
  let server: TestServer
  let env: Record<string, string>
  let dir: string
  const { ok } = expectSuccess(() => env)

  before(async () => {
    server = await TestServer.start('sqlite')
    dir = tempConfigDir()
    env = cleanEnv({ KEYWARD_URL: await server.listen(), KEYWARD_CONFIG_DIR: dir })
    await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
  })
  after(() => server.close())

  test('resumes after being killed, reports rejected lines by number, and imports every other key once', async () => {
    const file = join(dir, 'keys.jsonl')
    writeFile(file)
    const state = `${file}.import-state`
    // First run: killed once a few batches are in.
    const child = spawn(process.execPath, [BIN, 'keys', 'import', file], { env, stdio: 'ignore' })
    const deadline = Date.now() + 120_000
    while (!(existsSync(state) && JSON.parse(readFileSync(state, 'utf8')).line >= 10_000)) {
      assert.ok(Date.now() < deadline, 'the first run made no progress')
      await sleep(50)
    }
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const saved = JSON.parse(readFileSync(state, 'utf8'))
    assert.ok(saved.line < LINES, 'killed before the end')

    const second = await runCli(['keys', 'import', file, '--json'], env)
    assert.equal(second.code, 1, 'some lines were rejected')
    const summary = JSON.parse(second.stdout)
    assert.equal(summary.imported + summary.unchanged, LINES - 2)
    assert.equal(summary.rejected, 2)
    assert.deepEqual(
      summary.rejected_lines.map((r: { line: number }) => r.line),
      [BAD_JSON_LINE, BAD_HASH_LINE],
    )
    assert.match(second.stderr, new RegExp(`resuming at line ${saved.line + 1} `), 'resumed rather than started over')
    const total = await server.request('GET', '/v1/keys?limit=1', { token: await server.adminToken() })
    assert.equal(total.body.total, LINES - 2, 'every good line once, no duplicates')

    // Human output: progress with rate and ETA; a third run over the finished file changes nothing.
    const again = await runCli(['keys', 'import', file, '--restart'], env)
    assert.match(again.stderr, /keys \(0 imported, 99,998 unchanged, 2 rejected\) · [\d,]+\/s · 100% · ETA 0s/)
    assert.match(again.stderr, new RegExp(`line ${BAD_HASH_LINE}: `))
  })
})
