import assert from 'node:assert/strict'
import { once } from 'node:events'
import { type AddressInfo, createServer } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { openStore } from '../../src/store/database.js'
import { ADMIN, STORES, freshDatabase } from '../helpers.js'
import { cleanEnv, runCli, startServe, tempConfigDir } from './run-cli.js'

for (const kind of STORES) {
  describe(`keyward serve (${kind})`, () => {
    let db: Awaited<ReturnType<typeof freshDatabase>>
    before(async () => {
      db = await freshDatabase(kind)
    })
    after(() => db.drop())

    test('SIGTERM exits 0 after flushing: a key verified just before has last_used_at set', async () => {
      const { child, url, output } = await startServe(
        cleanEnv({
          KEYWARD_DATABASE_URL: db.url,
          KEYWARD_ADMIN_EMAIL: ADMIN.email,
          KEYWARD_ADMIN_PASSWORD: ADMIN.password,
          // Far longer than the test: only the shutdown flush can write last_used_at.
          KEYWARD_USAGE_FLUSH_MS: '60000',
          KEYWARD_LOG_LEVEL: 'info',
        }),
      )
      try {
        const env = cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: tempConfigDir() })
        assert.equal((await runCli(['login', '--email', ADMIN.email, '--password', ADMIN.password], env)).code, 0)
        const created = JSON.parse((await runCli(['keys', 'create', '--name', 'flush-me', '--json'], env)).stdout)
        const verified = await runCli(['keys', 'verify', created.key], env)
        assert.equal(verified.code, 0, verified.stderr)
        const before = JSON.parse((await runCli(['keys', 'get', String(created.api_key.id), '--json'], env)).stdout)
        assert.equal(before.last_used_at, null, 'not flushed yet while running')

        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        const [code, signal] = await exited
        assert.equal(signal, null)
        assert.equal(code, 0, output())
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      }
      const store = openStore(db.url)
      try {
        const row = await store.db
          .selectFrom('api_key')
          .select('last_used_at')
          .where('name', '=', 'flush-me')
          .executeTakeFirstOrThrow()
        assert.ok(row.last_used_at, 'last_used_at was written at shutdown')
      } finally {
        await store.close()
      }
    })
  })
}

describe('keyward serve on a port in use (SQLite)', () => {
  test('says so in one line, exits 1, and still shows the first admin password it created', async () => {
    const db = await freshDatabase('sqlite')
    const env = cleanEnv({ KEYWARD_DATABASE_URL: db.url, KEYWARD_LOG_LEVEL: 'warn' })
    const busy = createServer()
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok))
    const port = String((busy.address() as AddressInfo).port)
    try {
      const failed = await runCli(['serve', '--port', port], env)
      assert.equal(failed.code, 1, failed.stderr)
      // The admin exists from now on: a later start shows no password, so this one must, and the error says so.
      assert.equal(
        failed.stderr.trim(),
        `error: 127.0.0.1:${port} is in use: choose another port (--port, KEYWARD_PORT); the first admin ` +
          '(admin@keyward.local) was created: its password is the one shown above (lost: ' +
          '`keyward reset-password admin@keyward.local --generate`)',
      )
      assert.match(failed.stdout, /Password \(shown once\): \S+/)
      const again = await runCli(['serve', '--port', port], env)
      assert.equal(again.code, 1, again.stderr)
      assert.equal(
        again.stderr.trim(),
        `error: 127.0.0.1:${port} is in use: choose another port (--port, KEYWARD_PORT)`,
        'no admin made this time: nothing more to say',
      )
    } finally {
      busy.close()
    }
  })
})
