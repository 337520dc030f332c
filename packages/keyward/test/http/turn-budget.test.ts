import assert from 'node:assert/strict'
import { AsyncLocalStorage } from 'node:async_hooks'
import { spawnSync } from 'node:child_process'
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { Registry } from 'prom-client'
import { after, before, describe, test } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { TurnBudget, installTurnBudget } from '../../src/http/turn-budget.js'
import { type Keyward, createKeyward } from '../../src/server.js'
import { freshDatabase } from '../helpers.js'

const STARTS = 200
const START_MS = 0.2

/** Holds the CPU for `ms`, as a request's synchronous work does. */
function spin(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end);
}

/**
 * A start's work run at once, or as a verify's is: about half at once (routing, hooks), the rest
 * after a tick (its body's stream) and a promise (its handler).
 */
type Shape = (work: () => void) => void
const atOnce: Shape = (work) => work()
const halfDeferred: Shape = (work) => {
  spin(START_MS / 2)
  process.nextTick(() => void Promise.resolve().then(work))
}

/**
 * A burst as one poll phase delivers it (every request in one turn), each start
 * costing 0.2 ms: resolves with the order the starts ran in and how often a 0 ms timer ran
 * while any of them still waited.
 */
async function burst(budget: TurnBudget, shape: Shape = atOnce): Promise<{ order: number[]; timerTurns: number }> {
  const order: number[] = []
  let timerTurns = 0
  let done = false
  const tick = () => {
    if (done) return
    if (order.length > 0 && order.length < STARTS) timerTurns++
    setTimeout(tick, 0)
  }
  setTimeout(tick, 0)
  await new Promise<void>((finished) => {
    // One callback per request, as sockets' are: Node runs each one's ticks and promises before the next.
    for (let i = 0; i < STARTS; i++)
      setImmediate(() =>
        budget.admit(() =>
          shape(() => {
            spin(shape === atOnce ? START_MS : START_MS / 2)
            order.push(i)
            if (order.length === STARTS) finished()
          }),
        ),
      )
  })
  done = true
  return { order, timerTurns }
}

describe('the turn budget', () => {
  test('a burst of 40 ms of request work lets timers run between stretches, in arrival order', async () => {
    const { order, timerTurns } = await burst(new TurnBudget(1))
    assert.deepEqual(
      order,
      Array.from({ length: STARTS }, (_, i) => i),
    )
    // 40 ms of work in stretches of about 1 ms: a timer turn between most of them.
    assert.ok(timerTurns >= 10, `timers ran ${timerTurns} times during the burst`)
  })

  test('so does a burst whose work is half deferred to a tick and a promise, as a verify is', async () => {
    const { order, timerTurns } = await burst(new TurnBudget(1), halfDeferred)
    assert.equal(order.length, STARTS)
    assert.ok(timerTurns >= 10, `timers ran ${timerTurns} times during the burst`)
  })

  test('at the cap of waiting requests, each arrival starts the oldest one: the queue keeps moving, in order', async () => {
    const budget = new TurnBudget(0, 3)
    const ran: number[] = []
    for (let i = 0; i < 3; i++) budget.admit(() => ran.push(i))
    assert.equal(ran.length, 0)
    // Each arrival past the cap starts the oldest waiting request at once (not itself, and not one per turn).
    for (let i = 3; i < 8; i++) budget.admit(() => ran.push(i))
    assert.deepEqual(ran, [0, 1, 2, 3, 4])
    assert.equal(budget.queued, 3)
    await new Promise((r) => setTimeout(r, 20))
    assert.deepEqual(ran, [0, 1, 2, 3, 4, 5, 6, 7])
    assert.equal(budget.queued, 0)
  })

  test('a waiting request does not start in the async context of the request that opened the stretch', async () => {
    const store = new AsyncLocalStorage<string>()
    const budget = store.run('root', () => new TurnBudget(0))
    const seen = await new Promise<(string | undefined)[]>((ok) => {
      const got: (string | undefined)[] = []
      const see = () => got.push(store.getStore()) === 3 && ok(got)
      store.run('request a', () => budget.admit(see))
      store.run('request b', () => budget.admit(see))
      store.run('request c', () => budget.admit(see))
    })
    assert.deepEqual(seen, ['root', 'root', 'root'])
  })

  test('without a budget the same burst holds the loop: no timer runs until it is over', async () => {
    const { order, timerTurns } = await burst(new TurnBudget(Number.POSITIVE_INFINITY))
    assert.equal(order.length, STARTS)
    assert.equal(timerTurns, 0)
  })

  test('a start that throws does not stall those waiting behind it', () => {
    // In a process of its own: node:test counts any uncaught exception as its test's failure.
    const script = `
      import { TurnBudget } from ${JSON.stringify(new URL('../../src/http/turn-budget.ts', import.meta.url).href)}
      const ran = []
      process.on('uncaughtException', (e) => ran.push(e.message))
      const budget = new TurnBudget(0)
      budget.admit(() => ran.push('first'))
      budget.admit(() => { throw new Error('boom') })
      budget.admit(() => ran.push('third'))
      setTimeout(() => console.log(JSON.stringify({ ran, queued: budget.queued })), 50)
    `
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    })
    assert.equal(child.status, 0, child.stderr)
    assert.deepEqual(JSON.parse(child.stdout), { ran: ['first', 'boom', 'third'], queued: 0 })
  })
})

/** Starts every request 50 ms late: long enough for a connection's end to be heard while it waits. */
class LateBudget extends TurnBudget {
  override admit(go: () => void): void {
    setTimeout(go, 50)
  }
}

describe('a request whose connection ends while it waits', () => {
  test('before its body is all in is not started (the body will never come), while one that stays is answered', async () => {
    const server = createServer()
    const handled: string[] = []
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      handled.push(req.url!)
      res.end('ok')
    })
    installTurnBudget(server, new Registry(), new LateBudget())
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
    const { port } = server.address() as AddressInfo
    try {
      const gone = connect(port, '127.0.0.1', () => {
        gone.write('POST /gone HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n{}')
        gone.destroy()
      })
      const answer = await fetch(`http://127.0.0.1:${port}/stays`)
      assert.equal(await answer.text(), 'ok')
      await new Promise((r) => setTimeout(r, 100))
      assert.deepEqual(handled, ['/stays'])
    } finally {
      server.closeAllConnections()
      await new Promise((ok) => server.close(ok))
    }
  })
})

describe('the server under the turn budget', () => {
  let kw: Keyward
  let base: string
  before(async () => {
    const db = await freshDatabase('sqlite')
    kw = await createKeyward(loadConfig({ KEYWARD_DATABASE_URL: db.url }), { logger: false, dashboardDir: false })
    await kw.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(kw.app.server.address() as AddressInfo).port}`
  })
  after(() => kw.close())

  test('answers a burst of concurrent requests, each once and whole', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fetch(`${base}/v1/keys/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ key: `kw_nope_${i}` }),
        }),
      ),
    )
    assert.deepEqual(new Set(answers.map((r) => r.status)), new Set([401]))
    const ids = new Set(answers.map((r) => r.headers.get('x-request-id')))
    assert.equal(ids.size, 200)
  })
})
