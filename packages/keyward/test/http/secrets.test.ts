import assert from 'node:assert/strict'
import { readFileSync, existsSync } from 'node:fs'
import { type AddressInfo, connect } from 'node:net'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { createKeyward } from '../../src/server.js'
import { ADMIN, freshDatabase } from '../helpers.js'

describe('secrets at rest and in logs', () => {
  it('never writes a plaintext key to the SQLite file or the server log', async () => {
    const db = await freshDatabase('sqlite')
    const path = db.url.slice('sqlite:'.length)
    let log = ''
    const stream = new Writable({
      write(chunk, _enc, cb) {
        log += chunk.toString()
        cb()
      },
    })
    const config = loadConfig({ KEYWARD_DATABASE_URL: db.url, KEYWARD_USAGE_FLUSH_MS: '10' })
    const kw = await createKeyward(config, { logger: { level: 'trace', stream } })
    await kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)
    const inject = async (method: string, url: string, token?: string, body?: unknown) => {
      const r = await kw.app.inject({
        method: method as 'GET',
        url,
        headers: {
          ...(token && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        payload: body === undefined ? undefined : JSON.stringify(body),
      })
      const json = String(r.headers['content-type']).startsWith('application/json')
      return { status: r.statusCode, body: json ? JSON.parse(r.body) : undefined }
    }
    const login = await inject('POST', '/v1/auth/login', undefined, { email: ADMIN.email, password: ADMIN.password })
    const session = login.body.access_token as string
    const secrets: string[] = [session]
    for (let i = 0; i < 5; i++) {
      const r = await inject('POST', '/v1/keys', session, { name: `leak-${i}` })
      secrets.push(r.body.key)
      assert.equal((await inject('POST', '/v1/keys/verify', session, { key: r.body.key })).body.code, 'VALID')
      await inject('GET', `/v1/keys?apikey=${r.body.key}`, r.body.key) // a key as credential and in a query string
      await inject('POST', '/v1/keys/verify', r.body.key, { key: r.body.key.slice(0, -2) + 'zz' }) // a malformed one
      // A key pasted where an id belongs, or into any path (an operator's find: the access log held it whole).
      await inject('GET', `/v1/keys/${r.body.key}`, session)
      await inject('GET', `/nope/${encodeURIComponent(r.body.key)}/x`, session)
      // Pasted with what came around it (an attacker's find: only a segment that was a key whole was masked).
      for (const around of ['%20', '%0A', ':', ';', '!', ')'])
        await inject('GET', `/v1/keys/${r.body.key}${around}`, session)
      for (const path of [`'${r.body.key}'`, `Bearer%20${r.body.key}`, `("${r.body.key}")`])
        await inject('GET', `/v1/keys/${path}`, session)
      await inject('GET', `/v7/device(uuid='${r.body.key}')`, session)
      await inject('GET', `/v7/api_key('${r.body.key}')/x`, session)
    }
    // A foreign key (an imported one keeps its own shape) in a path, and one that Keyward's shape check would refuse.
    const foreign = 'sk_live_' + 'Ab9'.repeat(12)
    secrets.push(foreign, 'kw_' + 'Q'.repeat(40))
    await inject('DELETE', `/v1/keys/${foreign}`, session)
    await inject('GET', `/v1/users/kw_${'Q'.repeat(40)}`, session)
    const rolled = await inject('POST', `/v1/keys/1/roll`, session, { grace_period_s: 10 })
    secrets.push(rolled.body.key)
    await inject('POST', '/v1/keys', session, { name: 'bad', extra: secrets[1] }) // a validation error around a secret
    await kw.close()
    const files = [path, `${path}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1'))
    assert.ok(files.join('').length > 10_000, 'the database file was written')
    assert.ok(log.includes('"/v1/keys"'), 'the log was written at trace level')
    for (const secret of secrets) {
      const body = secret.slice(secret.indexOf('_') + 1)
      for (const f of files) assert.ok(!f.includes(body), 'plaintext found in the SQLite file')
      assert.ok(
        !log.includes(body),
        'plaintext found in the log: ' +
          log
            .split('\n')
            .filter((l) => l.includes(body))
            .join('\n')
            .slice(0, 600),
      )
    }
    await db.drop()
  })

  it('never logs a request the HTTP parser refused, whose raw bytes carry its bearer secret', async () => {
    const db = await freshDatabase('sqlite')
    let log = ''
    const stream = new Writable({
      write(chunk, _enc, cb) {
        log += chunk.toString()
        cb()
      },
    })
    const kw = await createKeyward(loadConfig({ KEYWARD_DATABASE_URL: db.url }), { logger: { level: 'trace', stream } })
    try {
      await kw.app.listen({ host: '127.0.0.1', port: 0 })
      const port = (kw.app.server.address() as AddressInfo).port
      const secret = 'kw_live_parser_refused_secret_0123456789'
      const auth = `authorization: Bearer ${secret}\r\n`
      for (const raw of [
        `POST /v1/keys HTTP/1.1\r\nhost: x\r\n${auth}content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n`,
        `GET /healthz HTTP/1.1\r\nhost: x\r\n${auth}x-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      ]) {
        const answer = await new Promise<string>((resolve) => {
          let got = ''
          const socket = connect(port, '127.0.0.1', () => socket.write(raw))
          socket.on('data', (d) => (got += d.toString())).on('close', () => resolve(got))
          socket.on('error', () => resolve(got))
        })
        assert.match(answer, /^HTTP\/1\.1 4\d\d /, answer)
      }
    } finally {
      await kw.close()
    }
    assert.match(log, /HTTP parser refused a request/, 'the refusals were logged (trace level)')
    assert.doesNotMatch(log, /rawPacket|parser_refused_secret/)
  })
})
