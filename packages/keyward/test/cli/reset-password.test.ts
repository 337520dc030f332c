import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import { openStore } from '../../src/store/database.js'
import { ADMIN, STORES, freshDatabase } from '../helpers.js'
import { type CliResult, cleanEnv, runCli, startServe, tempConfigDir } from './run-cli.js'

/**
 * `keyward reset-password`: the break-glass reset, with the database's credentials, beside a running server. The
 * reset must hold there at once: a session the server had cached before it ended with the password (a SQLite server
 * heard only its own writes, so the cached session lived on until it restarted).
 */
for (const kind of STORES) {
  describe(`keyward reset-password beside a running server (${kind})`, () => {
    let db: Awaited<ReturnType<typeof freshDatabase>>
    before(async () => {
      db = await freshDatabase(kind)
    })
    after(() => db.drop())

    test("sets the password, ends the sessions the server had cached, and is audited as the system's", async () => {
      const serverEnv = { KEYWARD_DATABASE_URL: db.url, KEYWARD_ADMIN_EMAIL: ADMIN.email }
      const { child, url, output } = await startServe(
        cleanEnv({ ...serverEnv, KEYWARD_ADMIN_PASSWORD: ADMIN.password, KEYWARD_LOG_LEVEL: 'info' }),
      )
      try {
        const cli = cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: tempConfigDir() })
        const login = (password: string) => runCli(['login', '--email', ADMIN.email, '--password', password], cli)
        assert.equal((await login(ADMIN.password)).code, 0)
        assert.equal((await runCli(['whoami'], cli)).code, 0, 'the session works, and the server has cached it')

        const reset = await runCli(['reset-password', 'admin'], cleanEnv(serverEnv), 'a-new-password-2\n')
        assert.equal(reset.code, 0, reset.stderr)
        assert.match(reset.stdout, /password of admin@example\.com reset; every session of this user ended/)

        const ended = await eventually(
          () => runCli(['whoami'], cli),
          (r) => r.code !== 0,
        )
        assert.match(
          ended.stderr,
          /your session .* has ended|HTTP 401/,
          `BROKEN: the cached session outlived the reset: ${ended.stdout}`,
        )
        assert.notEqual((await login(ADMIN.password)).code, 0, 'the old password is refused')
        assert.equal((await login('a-new-password-2')).code, 0, 'the new one signs in')
      } finally {
        child.kill('SIGKILL')
      }
      const store = openStore(db.url)
      try {
        const entry = await store.db
          .selectFrom('audit_event')
          .select(['actor_id', 'details'])
          .where('action', '=', 'user.password_reset')
          .executeTakeFirstOrThrow()
        assert.equal(entry.actor_id, null, output())
        assert.deepEqual(JSON.parse(entry.details), { via: 'cli' })
      } finally {
        await store.close()
      }
    })

    test('refuses an unknown user, a short password, and a schema older than itself, changing nothing', async () => {
      const env = cleanEnv({ KEYWARD_DATABASE_URL: db.url })
      const unknown = await runCli(['reset-password', 'nobody@example.com'], env, 'long-enough-1\n')
      assert.equal(unknown.code, 1)
      assert.match(unknown.stderr, /user not found/)
      const short = await runCli(['reset-password', 'admin'], env, 'short\n')
      assert.equal(short.code, 2)
      assert.match(short.stderr, /a password has 8 to 1024 characters/)
      const emoji = await runCli(['reset-password', 'admin'], env, '\u{1F600}'.repeat(4) + '\n')
      assert.equal(emoji.code, 2, 'four characters, eight UTF-16 units: too short, as the API counts')
      if (kind === 'postgres') {
        // The servers hear their bus; a command on a local one would end the sessions in the database only.
        const local = cleanEnv({ KEYWARD_DATABASE_URL: db.url, KEYWARD_INVALIDATION_BUS: 'local' })
        const deaf = await runCli(['reset-password', 'admin'], local, 'long-enough-1\n')
        assert.equal(deaf.code, 2, deaf.stdout)
        assert.match(deaf.stderr, /must reach the servers' bus/)
      }

      const generated = await runCli(['reset-password', 'admin', '--generate'], env)
      assert.equal(generated.code, 0, generated.stderr)
      assert.match(generated.stdout, /^[A-Za-z0-9_-]{24}\n$/, 'the password alone on stdout, as a key is printed')
      assert.match(generated.stderr, /password of admin@example\.com reset/)
      if (kind === 'sqlite') {
        // Run from another directory than the server's, the default path named no database, and one was made.
        const nowhere = join(tmpdir(), `keyward-none-${process.pid}`, 'keyward.db')
        const none = await runCli(['reset-password', 'admin'], cleanEnv({ KEYWARD_DATABASE_URL: `sqlite:${nowhere}` }))
        assert.equal(none.code, 2)
        assert.match(none.stderr, /no Keyward database at .*keyward\.db/)
        assert.equal(existsSync(nowhere), false, 'BROKEN: an empty database was made')
      }

      const empty = await freshDatabase(kind)
      if (kind === 'sqlite') writeFileSync(empty.url.slice('sqlite:'.length), '') // an empty database, not none
      try {
        const behind = await runCli(
          ['reset-password', 'admin'],
          cleanEnv({ KEYWARD_DATABASE_URL: empty.url }),
          'long-enough-1\n',
        )
        assert.equal(behind.code, 1)
        assert.match(behind.stderr, /schema is older than this version .* run `keyward migrate`/)
      } finally {
        await empty.drop()
      }
    })
  })
}

describe(
  'keyward reset-password on another Redis server than the servers (PostgreSQL)',
  { skip: !STORES.includes('postgres') },
  () => {
    test('refuses before writing: the servers would not hear that the sessions ended', async () => {
      const db = await freshDatabase('postgres')
      const other = await startRedis()
      const redis = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
      const serverEnv = { KEYWARD_DATABASE_URL: db.url, KEYWARD_REDIS_URL: redis, KEYWARD_REDIS_PREFIX: 'kwrp:' }
      const { child, url } = await startServe(
        cleanEnv({
          ...serverEnv,
          KEYWARD_ADMIN_EMAIL: ADMIN.email,
          KEYWARD_ADMIN_PASSWORD: ADMIN.password,
          KEYWARD_LOG_LEVEL: 'info',
        }),
      )
      try {
        const cli = cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: tempConfigDir() })
        assert.equal((await runCli(['login', '--email', ADMIN.email, '--password', ADMIN.password], cli)).code, 0)
        const noRedis = await runCli(
          ['reset-password', 'admin'],
          cleanEnv({ KEYWARD_DATABASE_URL: db.url }),
          'x-long-enough\n',
        )
        assert.equal(noRedis.code, 2, noRedis.stdout)
        assert.match(
          noRedis.stderr,
          /use redis for their invalidation bus, and this command uses postgres: give it the servers' KEYWARD_REDIS_URL/,
        )
        const elsewhere = cleanEnv({ ...serverEnv, KEYWARD_REDIS_URL: other.url })
        const deaf = await runCli(['reset-password', 'admin'], elsewhere, 'a-new-password-3\n')
        assert.equal(deaf.code, 1, `BROKEN: reset on a bus no server hears: ${deaf.stdout}`)
        assert.match(deaf.stderr, /does not hear the running servers .* nothing was changed/)
        assert.equal((await runCli(['whoami'], cli)).code, 0, 'the session and the password are as they were')

        const heard = await runCli(['reset-password', 'admin'], cleanEnv(serverEnv), 'a-new-password-3\n')
        assert.equal(heard.code, 0, heard.stderr)
        assert.notEqual((await runCli(['whoami'], cli)).code, 0, 'the servers heard it at once')
      } finally {
        child.kill('SIGKILL')
        other.stop()
        await db.drop()
      }
    })
  },
)

/** A Redis server of its own on a free loopback port (not the servers'), stopped by `stop`. */
async function startRedis(): Promise<{ url: string; stop: () => void }> {
  const probe = createServer().listen(0, '127.0.0.1')
  await new Promise((r) => probe.once('listening', r))
  const port = (probe.address() as { port: number }).port
  await new Promise((r) => probe.close(r))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'ignore'] })
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => /Ready to accept connections/.test(d.toString()) && resolve())
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
  })
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') }
}

/** Runs `attempt` until `done` holds (5 s at most: a SQLite server polls every second); the last result. */
async function eventually(attempt: () => Promise<CliResult>, done: (r: CliResult) => boolean): Promise<CliResult> {
  let r = await attempt()
  for (let i = 0; i < 20 && !done(r); i++) {
    await sleep(250)
    r = await attempt()
  }
  return r
}
