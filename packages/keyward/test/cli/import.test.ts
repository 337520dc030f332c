import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { type AddressInfo, type Server, connect, createServer } from 'node:net'
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

/** A SQLite server (with `serverEnv`) and a CLI config signed in to it as the admin, for the calling `describe`. */
function signedInCli(serverEnv: Record<string, string> = {}) {
  const t = {} as { server: TestServer; env: Record<string, string>; dir: string }
  const { ok } = expectSuccess(() => t.env)
  before(async () => {
    t.server = await TestServer.start('sqlite', { env: serverEnv })
    t.dir = tempConfigDir()
    t.env = cleanEnv({ KEYWARD_URL: await t.server.listen(), KEYWARD_CONFIG_DIR: t.dir })
    await ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
  })
  after(() => t.server.close())
  return t
}

/** `keyward keys import` of a 100,000-line file, as a real process: progress, rejected lines, resume. */
describe('keyward keys import <file.jsonl>', () => {
  const t = signedInCli()

  test('a file that does not exist is a one-line usage error (it was a stack trace)', async () => {
    const missing = join(tempConfigDir(), 'nope.jsonl')
    const r = await runCli(['keys', 'import', missing], t.env)
    assert.deepEqual([r.code, r.stderr.trim()], [2, `error: no such file: ${missing}`])
  })

  test('resumes after being killed, reports rejected lines by number, and imports every other key once', async () => {
    const { server, env, dir } = t
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

/** An owner whose imports were refused too often (a 429) stops the run: nothing is set aside unjudged. */
describe('keyward keys import, throttled', () => {
  const t = signedInCli({ KEYWARD_SECRET_REFUSALS_PER_HOUR: '1' })

  test('stops with how to resume once the refusals are spent, and imports nothing of that batch', async () => {
    const { server, env, dir } = t
    const member = await server.member('holder', await server.adminToken())
    const held = [1, 2].map(() => `imp_${randomBytes(24).toString('hex')}`)
    const taken = await server.request('POST', '/v1/keys/import', {
      token: member.token,
      body: { keys: held.map((plaintext) => ({ plaintext })) },
    })
    assert.equal(taken.status, 200, taken.text)
    const lines = [`imp_${randomBytes(24).toString('hex')}`, held[0], held[1], `imp_${randomBytes(24).toString('hex')}`]
    const file = join(dir, 'throttled.jsonl')
    writeFileSync(file, lines.map((plaintext) => JSON.stringify({ plaintext })).join('\n') + '\n')

    const run = await runCli(['keys', 'import', file], env)
    assert.equal(run.code, 1, run.stderr)
    assert.match(
      run.stderr,
      /too many secrets were refused.*run the same command again in \d+ s: it resumes where it stopped/,
    )
    assert.doesNotMatch(run.stderr, /line 3: /, 'the line after the spent budget was not set aside')
    const mine = await server.request('GET', '/v1/keys?limit=1', { token: await server.adminToken() })
    assert.equal(mine.body.total, 2, 'only the member’s two keys: the throttled batch imported nothing')
    const state = JSON.parse(readFileSync(`${file}.import-state`, 'utf8'))
    assert.deepEqual(
      { line: state.line, setAside: state.rejected_lines.map((r: { line: number }) => r.line) },
      { line: 0, setAside: [2] },
      'resumes at the batch, and remembers the line it set aside',
    )

    // The next run (here against a fresh server, where nothing is held) skips line 2 rather than
    // spending a refusal on it again, and imports the rest.
    const fresh = await TestServer.start('sqlite')
    try {
      const env2 = { ...env, KEYWARD_URL: await fresh.listen() }
      await expectSuccess(() => env2).ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
      const resumed = await runCli(['keys', 'import', file, '--json'], env2)
      assert.equal(resumed.code, 1, 'line 2 stays rejected')
      const summary = JSON.parse(resumed.stdout)
      assert.deepEqual(
        { imported: summary.imported, rejected: summary.rejected_lines.map((r: { line: number }) => r.line) },
        { imported: 3, rejected: [2] },
      )
      const there = await fresh.request('GET', '/v1/keys?limit=1', { token: await fresh.adminToken() })
      assert.equal(there.body.total, 3, 'line 2 was not sent')
    } finally {
      await fresh.close()
    }
  })
})

/**
 * A link too slow for the server's request timeout: a batch gets a 408, which judged no key. The batch
 * is halved (smaller requests arrive sooner); a single key that still gets a 408 stops the run,
 * resumably, rather than being set aside as refused (as it was: every key of the file was).
 */
describe('keyward keys import, over a link too slow for the request timeout', () => {
  const t = signedInCli({ KEYWARD_REQUEST_TIMEOUT_MS: '1000' })
  let proxy: Server
  /** Upload speed of the relay; answers come back at once. */
  let bytesPerS = Infinity
  let slow: Record<string, string>

  before(async () => {
    const target = new URL(t.env.KEYWARD_URL!)
    proxy = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname)
      upstream.pipe(client)
      // 256 bytes at a time, each after its share of a second.
      const relay = async (chunk: Buffer) => {
        client.pause()
        for (let i = 0; i < chunk.length; i += 256) {
          if (bytesPerS < Infinity) await sleep((256 / bytesPerS) * 1000)
          if (upstream.destroyed) return
          upstream.write(chunk.subarray(i, i + 256))
        }
        client.resume()
      }
      client.on('data', (chunk: Buffer) => void relay(chunk))
      const end = () => (upstream.destroy(), client.destroy())
      for (const s of [client, upstream]) s.on('error', end).on('close', end)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    slow = { ...t.env, KEYWARD_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` }
    await expectSuccess(() => slow).ok(['login', '--email', ADMIN.email, '--password', ADMIN.password])
  })
  after(() => proxy?.close())

  function keysFile(name: string, n: number): string {
    const file = join(t.dir, name)
    const lines = Array.from({ length: n }, () =>
      JSON.stringify({ plaintext: `imp_${randomBytes(24).toString('hex')}` }),
    )
    writeFileSync(file, lines.join('\n') + '\n')
    return file
  }
  const total = async () =>
    (await t.server.request('GET', '/v1/keys?limit=1', { token: await t.server.adminToken() })).body.total

  test('too slow for one key: stops with the server’s 408 and how to resume; nothing set aside', async () => {
    // A one-key request is about 400 bytes with its headers: 2 s at 200 bytes/s, the server allows 1 s.
    bytesPerS = 200
    const file = keysFile('slowest.jsonl', 20)
    const run = await runCli(['keys', 'import', file], slow)
    assert.equal(run.code, 1, run.stderr)
    assert.match(
      run.stderr,
      /did not arrive in full within 1 s.*run the same command again over a faster link: it resumes where it stopped/,
    )
    assert.doesNotMatch(run.stderr, /line \d+: /, 'no line was set aside')
    assert.equal(await total(), 0)
    const state = JSON.parse(readFileSync(`${file}.import-state`, 'utf8'))
    assert.deepEqual([state.line, state.rejected_lines], [0, []])
  })

  test('too slow for a whole batch: halved until it arrives in time; every key imported', async () => {
    // 200 keys are about 14 KB: over 3 s at 4 KB/s; 25 keys arrive within the second.
    bytesPerS = 4_096
    const run = await runCli(['keys', 'import', keysFile('slow.jsonl', 200), '--json'], slow)
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(JSON.parse(run.stdout).rejected_lines, [])
    assert.equal(await total(), 200)
  })
})

/** Its own server: the resume test above counts every key the server holds. */
describe('keyward keys import: keys without scopes', () => {
  const t = signedInCli()

  test("says how many keys taken have no scopes (full rights on Keyward's API; a new user's find)", async () => {
    const file = join(t.dir, 'scopes.jsonl')
    const line = (scopes?: string[]) => JSON.stringify({ plaintext: `imp_${randomBytes(24).toString('hex')}`, scopes })
    // The last two are refused (a secret too short, a bad field): they were counted as if stored (a new user's find).
    const refused = [
      JSON.stringify({ plaintext: 'short' }),
      JSON.stringify({ plaintext: `imp_${randomBytes(24).toString('hex')}`, nope: 1 }),
    ]
    writeFileSync(file, [line(), line(['invoices:read']), line([]), ...refused].join('\n') + '\n')
    const run = await runCli(['keys', 'import', file], t.env)
    assert.equal(run.code, 1, run.stderr)
    assert.match(
      run.stderr,
      /2 of the keys taken have no scopes: on Keyward's API each holds all of its owner's rights/,
    )
  })
})
