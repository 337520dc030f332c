import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { DEFAULT_URL, loadCliConfig } from '../../src/cli/cli-config.js'
import { NEVER, UsageError, parse } from '../../src/cli/parse.js'
import { type PromptIo, promptSecret } from '../../src/cli/prompt.js'
import { cleanEnv, runCli, tempConfigDir } from './run-cli.js'

describe('CLI configuration', () => {
  test('defaults: local server, ~/.config/keyward, no token', () => {
    const c = loadCliConfig({})
    assert.equal(c.url, DEFAULT_URL)
    assert.equal(c.configDir, join(homedir(), '.config', 'keyward'))
    assert.equal(c.token, null)
    assert.equal(c.password, null)
  })

  test('environment, then flags, win; trailing slashes are dropped', () => {
    const env = {
      KEYWARD_URL: 'https://keys.example.com/',
      KEYWARD_TOKEN: 'env-token',
      KEYWARD_PASSWORD: 'pw',
      KEYWARD_CONFIG_DIR: '/tmp/kw',
    }
    assert.deepEqual(
      { ...loadCliConfig(env) },
      { url: 'https://keys.example.com', token: 'env-token', password: 'pw', configDir: '/tmp/kw' },
    )
    const c = loadCliConfig(env, { url: 'http://10.0.0.1:9000', token: 'flag-token' })
    assert.equal(c.url, 'http://10.0.0.1:9000')
    assert.equal(c.token, 'flag-token')
    assert.equal(loadCliConfig({ XDG_CONFIG_HOME: '/xdg' }).configDir, '/xdg/keyward')
  })

  test('a URL that is not http(s) is a usage error', () => {
    assert.throws(() => loadCliConfig({ KEYWARD_URL: 'localhost:8080' }), UsageError)
    assert.throws(() => loadCliConfig({}, { url: 'ftp://x' }), UsageError)
  })

  test('option parsers: windows with units, owners, expiry, JSON objects', () => {
    assert.deepEqual(parse.rateLimit('100/60'), { limit: 100, window_s: 60 })
    assert.deepEqual(parse.rateLimit('1000/1h'), { limit: 1000, window_s: 3600 })
    assert.deepEqual(parse.refill('5/d'), { amount: 5, interval_s: 86_400 })
    assert.deepEqual(parse.owner('device:12'), { kind: 'device', id: 12 })
    assert.equal(parse.expiry('never'), NEVER) // a sentinel: commander stores null as ''
    assert.equal(parse.expiry('2027-01-01T00:00:00+01:00'), '2026-12-31T23:00:00.000Z')
    assert.equal(parse.expiry('2027-12-31'), '2027-12-31T00:00:00.000Z') // a day: its start, in UTC
    assert.equal(parse.expiry('2028-02-29'), '2028-02-29T00:00:00.000Z') // a leap day
    assert.equal(parse.expiry('2027-12-31t10:30z'), '2027-12-31T10:30:00.000Z')
    // A time from now, as the dashboard's presets (a new user tried --expires-in 30d first).
    const inDays = (Date.parse(parse.expiry('30d')) - Date.now()) / 86_400_000
    assert.ok(inDays > 29.99 && inDays <= 30, `30d is ${inDays} days ahead`)
    assert.ok(Math.abs(Date.parse(parse.expiry('2w')) - Date.now() - 14 * 86_400_000) < 5_000)
    assert.equal(parse.seconds('3600'), 3600)
    assert.equal(parse.seconds('1h'), 3600) // --grace-period took only a number of seconds
    assert.equal(parse.seconds('30m'), 1800)
    assert.deepEqual(parse.list('a:b, c:d e'), ['a:b', 'c:d', 'e'])
    assert.equal(parse.upTo(500)('500'), 500)
    for (const bad of [
      () => parse.rateLimit('0/60'),
      () => parse.rateLimit('10'),
      () => parse.owner('team:1'),
      () => parse.meta('[1]'),
      () => parse.int('-1'),
      () => parse.expiry('soon'),
      () => parse.expiry('0d'),
      () => parse.expiry('30'), // a unit is needed: seconds, days?
      () => parse.expiry('10 days'),
      () => parse.seconds('1 hour'),
      () => parse.seconds('-5'),
      () => parse.upTo(500)('501'),
      () => parse.expiry('1'), // Date.parse: the year 2001
      () => parse.expiry('Dec 5'), // Date.parse: this machine's zone, some year
      () => parse.expiry('2027-12-31T10:00'), // no zone: this machine's, which the server cannot know
      () => parse.expiry('2027-02-30'), // Date.parse: March 2
      () => parse.expiry('2027-04-31T10:00:00Z'), // Date.parse: May 1
    ]) {
      assert.throws(bad, { code: 'commander.invalidArgument' })
    }
  })
})

/** A fake terminal: records what is written, lets the test type. */
function fakeTty(): PromptIo & { typed(s: string): void; written(): string; raw: boolean[] } {
  const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(on: boolean): void }
  const raw: boolean[] = []
  input.isTTY = true
  input.setRawMode = (on) => void raw.push(on)
  let written = ''
  const output = new PassThrough()
  output.on('data', (d: Buffer) => (written += d.toString()))
  return {
    input: input as unknown as NodeJS.ReadStream,
    output,
    typed: (s) => void input.write(s),
    written: () => written,
    raw,
  }
}

describe('password prompt', () => {
  test('on a terminal, typed characters are not echoed; backspace edits; raw mode is restored', async () => {
    const tty = fakeTty()
    const answer = promptSecret('Password: ', tty)
    tty.typed('hunter3\u007f2')
    tty.typed('\r')
    assert.equal(await answer, 'hunter2')
    assert.equal(tty.written(), 'Password: \n')
    assert.deepEqual(tty.raw, [true, false])
  })

  test('Ctrl-C cancels with a usage error', async () => {
    const tty = fakeTty()
    const answer = promptSecret('Password: ', tty)
    tty.typed('abc\u0003')
    await assert.rejects(answer, UsageError)
    assert.deepEqual(tty.raw, [true, false])
  })

  test('from a pipe, the first line is the answer', async () => {
    const input = new PassThrough()
    const answer = promptSecret('Password: ', {
      input: input as unknown as NodeJS.ReadStream,
      output: new PassThrough(),
    })
    input.end('from-pipe\nsecond line\n')
    assert.equal(await answer, 'from-pipe')
  })

  test('an empty pipe is a usage error naming what was asked (not "pass the value as a flag": some have none)', async () => {
    const input = new PassThrough()
    const io = { input: input as unknown as NodeJS.ReadStream, output: new PassThrough() }
    const answer = promptSecret('New password: ', io)
    input.end()
    await assert.rejects(answer, { name: 'UsageError', message: /^no input for "New password": .*pipe it on stdin/ })
  })
})

describe('keys update with nothing to update', () => {
  test('names every flag that changes a key (it left out four)', async () => {
    const env = cleanEnv({ KEYWARD_CONFIG_DIR: tempConfigDir() })
    const help = (await runCli(['keys', 'update', '--help'], env)).stdout
    const flags = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!)
    const changing = flags.filter((f) => !['--url', '--token', '--json', '--help'].includes(f))
    assert.ok(changing.length >= 10, help)
    const r = await runCli(['keys', 'update', '1'], env)
    assert.equal(r.code, 2)
    for (const f of changing) assert.ok(r.stderr.includes(`${f},`) || r.stderr.includes(`${f}.`), `${f}: ${r.stderr}`)
  })
})
