import assert from 'node:assert/strict'
import { createServer as createHttpServer } from 'node:http'
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { addressesOf, feedFrom } from '../../src/http/bindings.js'
import { TestServer } from '../helpers.js'

/**
 * `keyward serve --host localhost` listens on 127.0.0.1 and ::1 (when the machine's resolver gives
 * both). Fastify bound the second address with a server of its own, without the turn budget, the
 * client-error envelope, the request timeouts or graceful close Keyward installs on `app.server`.
 * The other address now hands its connections to that one server (`bindings.ts`). This machine's
 * `localhost` resolves to 127.0.0.1 only, so the tests bind ::1 (IPv6 loopback) by hand, as
 * `serve` does for a host name's further addresses.
 */
describe('a host name’s other address reaches the same server', () => {
  let s: TestServer
  let port: number
  const bound: string[] = []
  before(async () => {
    s = await TestServer.start('sqlite', { env: { KEYWARD_REQUEST_TIMEOUT_MS: '1000' } })
    // A route that answers later: its answer is still due when a client sends its FIN.
    s.kw.app.get('/slow-for-test', async () => {
      await new Promise((r) => setTimeout(r, 300))
      return { slow: 'done' }
    })
    await s.kw.app.listen({ host: '127.0.0.1', port: 0 })
    port = (s.kw.app.server.address() as AddressInfo).port
    const errors: Error[] = []
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: skipped, as an IPv6 address is where IPv6 is off.
    await feedFrom(s.kw.app.server, ['::1', '192.0.2.1'], { bound: (a) => bound.push(a), error: (e) => errors.push(e) })
    assert.deepEqual(errors, [])
  })
  after(() => s?.close())

  it('binds the addresses it can, at the server’s port, and skips the others', async () => {
    assert.deepEqual(bound, ['::1'])
    const r = await fetch(`http://[::1]:${port}/health`)
    assert.equal(r.status, 200)
  })

  it('a request the parser refuses gets Keyward’s envelope there, as on the first address', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const got = await raw(host, port, 'POST /v1/keys HTTP/1.1\r\nhost: x\r\ncontent-length: 1x\r\n\r\n')
      assert.match(got, /^HTTP\/1\.1 400 /, `${host}: ${got}`)
      assert.equal(bodyOf(got).error.code, 'validation_failed', `${host}: ${got}`)
    }
  })

  it('a body that stops coming is answered 408 there within the server’s request timeout', async () => {
    const t0 = Date.now()
    const got = await raw(
      '::1',
      port,
      'POST /v1/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"em',
    )
    assert.match(got, /^HTTP\/1\.1 408 /, got)
    assert.equal(bodyOf(got).error.code, 'request_timeout')
    assert.ok(Date.now() - t0 < 2_500, `answered after ${Date.now() - t0} ms`)
  })

  // A reviewer's find: the listener was not half-open as node:http's own is, so a client's FIN ended the socket
  // before the answers still due (on 127.0.0.1 they came; on ::1 nothing came back).
  it('answers still due when the client sends its FIN come there as on the first address', async () => {
    const request =
      'GET /slow-for-test HTTP/1.1\r\nhost: x\r\n\r\n' +
      'POST /slow-for-test HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{'
    const answers = []
    for (const host of ['127.0.0.1', '::1']) answers.push(statusLines(await raw(host, port, request, true)))
    assert.match(answers[0]!, /^HTTP\/1\.1 200,/, answers[0])
    assert.equal(answers[1], answers[0])
  })

  it('closes gracefully with the server: a request routed there before the close is answered, then both refuse', async () => {
    const token = await s.adminToken()
    const { key } = await s.createKey(token)
    const body = JSON.stringify({ key })
    const socket = connect(port, '::1')
    socket.on('error', () => undefined)
    let got = ''
    socket.on('data', (d) => (got += d.toString()))
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    socket.write(
      `POST /v1/keys/verify HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\n` +
        `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    )
    await new Promise((r) => setTimeout(r, 100)) // routed: its headers are in
    const closed = s.kw.app.close()
    await new Promise((r) => setTimeout(r, 50))
    socket.write(body.slice(5))
    await ended
    assert.match(got, /^HTTP\/1\.1 200 /, got)
    assert.match(got, /\r\nconnection: close\r\n/i, got)
    assert.equal(bodyOf(got).code, 'VALID')
    await closed
    for (const host of ['127.0.0.1', '::1']) assert.equal(await refused(host, port), true, `${host} still accepts`)
  })
})

describe('the addresses bound for a host', () => {
  it('an address, or a host name other than localhost, is itself, without asking the resolver', async () => {
    const asked: string[] = []
    const resolve = async (h: string) => (asked.push(h), ['10.0.0.1'])
    assert.deepEqual(await addressesOf('::1', resolve), ['::1'])
    assert.deepEqual(await addressesOf('0.0.0.0', resolve), ['0.0.0.0'])
    // Another name's further addresses may be public ones its operator did not mean to open (a reviewer's find).
    assert.deepEqual(await addressesOf('api.example.com', resolve), ['api.example.com'])
    assert.deepEqual(asked, [])
    assert.deepEqual(await addressesOf('LOCALHOST', resolve), ['10.0.0.1'])
  })

  it('a port taken on another address fails the start, as on the first (only an unbindable address is skipped)', async () => {
    const server = createHttpServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const squatter = createNetServer()
    await new Promise<void>((resolve) => squatter.listen(port, '::1', resolve))
    try {
      await assert.rejects(
        feedFrom(server, ['::1'], { bound: () => assert.fail('bound'), error: () => undefined }),
        (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE',
      )
    } finally {
      squatter.close()
      server.close()
    }
  })

  it('localhost is every address this machine’s resolver gives it, once each', async () => {
    const local = await addressesOf('localhost')
    assert.ok(local.includes('127.0.0.1'), String(local))
    assert.equal(new Set(local).size, local.length)
  })
})

/** What a raw request gets back before the server closes the connection. */
function raw(host: string, port: number, request: string, thenEnd = false): Promise<string> {
  const socket = connect(port, host)
  return new Promise((resolve) => {
    let got = ''
    socket.on('data', (d) => (got += d.toString()))
    socket.on('close', () => resolve(got))
    socket.on('error', () => undefined)
    socket.write(request, () => thenEnd && socket.end())
  })
}

/** The status lines of the answers in a raw exchange, in order. */
const statusLines = (raw: string) => raw.match(/HTTP\/1\.1 \d+/g)?.join(', ') ?? ''

const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))

/** Whether a connection to `host:port` is refused. */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host)
    socket.once('connect', () => (socket.destroy(), resolve(false)))
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'))
  })
}
