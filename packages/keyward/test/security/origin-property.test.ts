import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { manualClock } from '../../src/core/clock.js'
import { STORES, TestServer } from '../helpers.js'
import { BACKENDS, SKIP_NO_POSTGRES, backendEnv, within } from '../scale/cluster.js'

const P = '/api/client/v2.0'
const MIN = 60_000

type Action =
  | { t: 'realmLogin'; key: number; node: number }
  | { t: 'fluxKeyCall'; key: number; node: number }
  | { t: 'refresh'; session: number; node: number }
  | { t: 'mint'; session: number; node: number }
  | { t: 'kill'; key: number; how: 'revoke' | 'disable' | 'delete'; node: number }
  | { t: 'expire'; minutes: number }
  | { t: 'logout'; session: number; node: number }

const node = fc.nat(1)
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ t: fc.constant('realmLogin' as const), key: fc.nat(5), node }),
  fc.record({ t: fc.constant('fluxKeyCall' as const), key: fc.nat(5), node }),
  fc.record({ t: fc.constant('refresh' as const), session: fc.nat(5), node }),
  fc.record({ t: fc.constant('mint' as const), session: fc.nat(5), node }),
  fc.record({
    t: fc.constant('kill' as const),
    key: fc.nat(5),
    how: fc.constantFrom('revoke' as const, 'disable' as const, 'delete' as const),
    node,
  }),
  fc.record({ t: fc.constant('expire' as const), minutes: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ t: fc.constant('logout' as const), session: fc.nat(5), node }),
)

interface Key {
  id: number
  secret: string
  expiresAt: number
  killed: boolean
}
interface Session {
  refresh: string
  access: string
  key: Key
  loggedOut: boolean
}

/**
 * After every step of a random sequence, no credential whose origin is dead still
 * authenticates, and every live one still does (so the property cannot pass by refusing all).
 */
async function runProperty(nodes: TestServer[], clock: ReturnType<typeof manualClock>, runs: number): Promise<void> {
  const admin = await nodes[0]!.adminToken()
  const on = (i: number) => nodes[i % nodes.length]!
  const alive = (k: Key) => !k.killed && k.expiresAt > clock.now().getTime()
  const eventually = (check: () => Promise<boolean>) =>
    nodes.length > 1 ? within(3000, check).then(() => true) : check()

  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 10 }), async (actions) => {
      const keys: Key[] = []
      for (let i = 0; i < 3; i++) {
        const expiresAt = clock.now().getTime() + (10 + 15 * i) * MIN
        const k = await nodes[0]!.createKey(admin, { expires_at: new Date(expiresAt).toISOString() })
        keys.push({ id: k.id, secret: k.key, expiresAt, killed: false })
      }
      const sessions: Session[] = []
      for (const a of actions) {
        await step(a)
        for (const s of sessions) {
          const dead = s.loggedOut || !alive(s.key)
          if (dead) {
            assert.ok(
              await eventually(
                async () => (await on(0).request('POST', `${P}/auth/session`, { token: s.refresh })).status === 401,
              ),
              `refresh of a dead session (${JSON.stringify(a)})`,
            )
            for (const n of nodes) {
              assert.equal((await n.request('POST', `${P}/auth/session`, { token: s.refresh })).status, 401)
              assert.equal((await n.request('GET', `${P}/auth/profile`, { token: s.access })).status, 401)
            }
          } else {
            assert.equal(
              (await on(1).request('POST', `${P}/auth/session`, { token: s.refresh })).status,
              201,
              'a live session still works',
            )
          }
        }
      }

      async function step(a: Action): Promise<void> {
        const key = 'key' in a ? keys[a.key % keys.length]! : undefined
        const session = 'session' in a ? sessions[a.session % Math.max(1, sessions.length)] : undefined
        if (a.t === 'realmLogin') {
          const r = await on(a.node).request('POST', `${P}/app/x/auth/providers/api-key/login`, {
            body: { key: key!.secret },
          })
          if (!alive(key!))
            return void (await eventually(
              async () =>
                (
                  await on(a.node).request('POST', `${P}/app/x/auth/providers/api-key/login`, {
                    body: { key: key!.secret },
                  })
                ).status === 401,
            ))
          assert.equal(r.status, 200, r.text)
          sessions.push({ refresh: r.body.refresh_token, access: r.body.access_token, key: key!, loggedOut: false })
        } else if (a.t === 'fluxKeyCall') {
          const call = async () =>
            (await on(a.node).request('GET', '/api/v1/client-keys', { headers: { 'x-client-key': key!.secret } }))
              .status
          if (alive(key!)) assert.equal(await call(), 200)
          else assert.ok(await eventually(async () => (await call()) === 401))
        } else if (a.t === 'refresh' && session) {
          const r = await on(a.node).request('POST', `${P}/auth/session`, { token: session.refresh })
          if (r.status === 201) session.access = r.body.access_token
        } else if (a.t === 'mint' && session) {
          const r = await on(a.node).request('POST', `${P}/auth/api_keys`, {
            token: session.refresh,
            body: { name: `m${Math.random()}` },
          })
          if (r.status === 201)
            keys.push({ id: parseInt(r.body._id, 16), secret: r.body.key, expiresAt: Infinity, killed: false })
        } else if (a.t === 'kill' && !key!.killed) {
          const path = a.how === 'delete' ? `/v1/keys/${key!.id}` : `/v1/keys/${key!.id}/${a.how}`
          const r = await on(a.node).request(a.how === 'delete' ? 'DELETE' : 'POST', path, {
            token: admin,
            ...(a.how === 'revoke' && { body: {} }),
          })
          assert.ok(r.status < 300, r.text)
          key!.killed = true
        } else if (a.t === 'expire') {
          clock.advance(a.minutes * MIN)
        } else if (a.t === 'logout' && session) {
          assert.equal(
            (await on(a.node).request('DELETE', `${P}/auth/session`, { token: session.refresh })).status,
            204,
          )
          session.loggedOut = true
        }
      }
    }),
    { numRuns: runs },
  )
}

for (const store of STORES) {
  describe(`property: no credential outlives its origin key (${store}, one node)`, () => {
    const clock = manualClock(new Date())
    let s: TestServer
    before(async () => {
      s = await TestServer.start(store, { clock })
    })
    after(() => s.close())
    it('holds after every step of random login / refresh / mint / revoke / disable / delete / expire / logout sequences', () =>
      runProperty([s], clock, 15))
  })
}

for (const backend of BACKENDS) {
  describe(
    `property: no credential outlives its origin key (PostgreSQL, two nodes, ${backend} bus)`,
    { skip: SKIP_NO_POSTGRES },
    () => {
      const clock = manualClock(new Date())
      let a: TestServer
      let b: TestServer
      before(async () => {
        const env = backendEnv(backend, `kwtest:${randomBytes(4).toString('hex')}:`)
        a = await TestServer.start('postgres', { clock, env })
        b = await TestServer.attach(a.config.databaseUrl, { clock, env })
      })
      after(async () => {
        await b.close()
        await a.close()
      })
      it('holds after every step, with each action on either node', () => runProperty([a, b], clock, 8))
    },
  )
}
