import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKey } from '../../src/core/key-format.js'
import { cleanEnv, runCli, tempConfigDir } from '../cli/run-cli.js'
import { STORES, TestServer } from '../helpers.js'

for (const store of STORES) {
  describe(`self-reported leaks (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
    })
    after(() => s.close())

    const reportFrom = (key: string, ip: string) =>
      s.kw.app.inject({ method: 'POST', url: '/v1/keys/leaked', payload: { key }, remoteAddress: ip })

    it('lets whoever holds a secret kill it, without a credential, and audits it', async () => {
      const k = await s.createKey(admin, { name: 'pasted-in-chat' })
      const r = await reportFrom(k.key, '203.0.113.7')
      assert.equal(r.statusCode, 202)
      assert.equal((await s.verify(admin, k.key)).code, 'REVOKED')
      const ev = (await s.request('GET', `/v1/audit?action=key.leaked&target_id=${k.id}`, { token: admin })).body.events
      assert.deepEqual(ev[0].details, { via: 'self-report', action: 'revoke' })
      assert.equal(ev[0].ip, '203.0.113.7')
    })

    it("records what it did as a code, with a note when it did nothing (a program can match it: a new user's find)", async () => {
      const k = await s.createKey(admin, { name: 'rolled-then-leaked' })
      await s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin, body: { grace_period_s: 3600 } })
      assert.equal((await reportFrom(k.key, '203.0.113.9')).statusCode, 202) // the rolled-away secret
      await s.request('POST', `/v1/keys/${k.id}/revoke`, { token: admin, body: {} })
      const current = await s.createKey(admin)
      await s.request('POST', `/v1/keys/${current.id}/revoke`, { token: admin, body: {} })
      assert.equal((await reportFrom(current.key, '203.0.113.9')).statusCode, 202)
      const details = async (id: number) =>
        (await s.request('GET', `/v1/audit?action=key.leaked&target_id=${id}`, { token: admin })).body.events[0].details
      assert.deepEqual(await details(k.id), { via: 'self-report', action: 'end_grace' })
      assert.deepEqual(await details(current.id), { via: 'self-report', action: 'none', note: 'already revoked' })
    })

    it('answers exactly the same whether or not the key exists (no existence oracle)', async () => {
      const live = await s.createKey(admin)
      const a = await reportFrom(live.key, '203.0.113.8')
      const b = await reportFrom(generateKey('kw'), '203.0.113.8')
      const c = await reportFrom('not-even-a-key-but-long-enough-to-look-like-one', '203.0.113.8')
      for (const r of [a, b, c]) {
        assert.equal(r.statusCode, 202)
        assert.equal(r.body, a.body)
        assert.equal(r.headers['content-length'], a.headers['content-length'])
      }
    })

    it('throttles reports per IP (429 with Retry-After), without affecting other addresses', async () => {
      const codes: number[] = []
      for (let i = 0; i < 25; i++) codes.push((await reportFrom(generateKey('kw'), '198.51.100.1')).statusCode)
      assert.deepEqual(codes.slice(0, 20), Array(20).fill(202))
      const limited = await reportFrom(generateKey('kw'), '198.51.100.1')
      assert.equal(limited.statusCode, 429)
      assert.ok(Number(limited.headers['retry-after']) >= 1)
      assert.equal((await reportFrom(generateKey('kw'), '198.51.100.2')).statusCode, 202)
    })

    it('refuses a body without a key (400), and the CLI reports from stdin', async () => {
      const r = await s.kw.app.inject({ method: 'POST', url: '/v1/keys/leaked', payload: { secret: 'x' } })
      assert.equal(r.statusCode, 400)
      if (store !== 'sqlite') return // the CLI talks HTTP only: one store is enough
      const url = await s.listen()
      const k = await s.createKey(admin)
      const cli = await runCli(
        ['keys', 'report-leak', '-'],
        cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: tempConfigDir() }),
        `${k.key}\n`,
      )
      assert.equal(cli.code, 0, cli.stderr)
      assert.match(cli.stdout, /^Reported\./)
      assert.ok(!cli.stdout.includes(k.key) && !cli.stderr.includes(k.key), 'the secret is not echoed')
      assert.equal((await s.verify(admin, k.key)).code, 'REVOKED')
      // A new user's find: an empty stdin was sent to the server and came back as a 400 (exit 1).
      const empty = await runCli(
        ['keys', 'report-leak', '-'],
        cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: tempConfigDir() }),
        '\n',
      )
      assert.equal(empty.code, 2, empty.stderr)
      assert.match(empty.stderr, /no secret given/)
      // And text that is no key was "Reported." (a new user's find): a usage error, nothing sent.
      const env = cleanEnv({ KEYWARD_URL: url, KEYWARD_CONFIG_DIR: tempConfigDir() })
      const other = await s.createKey(admin)
      for (const text of ['garbage', other.key.slice(0, -1) + (other.key.endsWith('x') ? 'y' : 'x')]) {
        const junk = await runCli(['keys', 'report-leak', '-'], env, `${text}\n`)
        assert.equal(junk.code, 2, junk.stderr)
        assert.match(junk.stderr, /that is no key .*nothing was reported/)
      }
      assert.equal((await s.verify(admin, other.key)).code, 'VALID', 'nothing reached the server')
      const verifyEmpty = await runCli(['keys', 'verify'], env, '\n')
      assert.equal(verifyEmpty.code, 2, verifyEmpty.stderr)
      assert.match(verifyEmpty.stderr, /no key given/)
    })
  })
}
