import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { API_SCOPES } from '../../src/core/authz.js'
import { STORES, type StoreKind, TestServer } from '../helpers.js'
import { REALM, tryCreateAdmin } from './fixture.js'

/**
 * Property: whatever sequence of creates, rolls, PATCHes, enables and disables an
 * attacker runs on every face with randomly scoped and limited credentials, after
 * every step each live key holds no right (owner, scope, expiry, rate or usage
 * limit) that the credential which last produced or changed it lacked at the
 * time, nor any its root (a member's session) lacks; and no credential makes an admin.
 * The oracle below restates the rule from the spec, independently of core/authz.ts.
 */

const POOL = [
  'keys:write',
  'keys:read',
  'users:write',
  'devices:write',
  'write:clientkeys',
  'read:clientkeys',
  '*',
  'read:tables',
]
const NATIVE: readonly string[] = API_SCOPES
type OwnerRef = { kind: string; id: number; name?: string }
interface Rights {
  owner: OwnerRef
  scopes: string[] | null
  expires: number | null
  rate: { limit: number; window_s: number } | null
  remaining: number | null
}
interface Cred {
  keyId: number | null
  token: string
  producer: Rights
}
interface World {
  s: TestServer
  admin: string
  password: string
  creds: Cred[]
  root: Rights
  owners: OwnerRef[]
  domain: (o: OwnerRef) => OwnerRef[]
}

const same = (a: OwnerRef, b: OwnerRef) => a.kind === b.kind && a.id === b.id
/** Whether `x` holds nothing that `p` lacks. */
function within(p: Rights, x: Rights, w: World): string | null {
  if (!w.domain(p.owner).some((o) => same(o, x.owner))) return "owner outside the producer's reach"
  if (
    p.scopes !== null &&
    (x.scopes === null ||
      x.scopes.some((s) => !p.scopes!.includes(s) && !(p.scopes!.includes('*') && !NATIVE.includes(s))))
  )
    return 'scopes'
  if (p.expires !== null && (x.expires === null || x.expires > p.expires)) return 'expiry'
  if (p.rate && (!x.rate || x.rate.limit > p.rate.limit || x.rate.window_s < p.rate.window_s)) return 'rate limit'
  if (p.remaining !== null && (x.remaining === null || x.remaining > p.remaining)) return 'usage limit'
  return null
}

async function rightsOf(w: World, keyId: number): Promise<{ live: boolean; rights: Rights }> {
  const b = (await w.s.request('GET', `/v1/keys/${keyId}`, { token: w.admin })).body
  return {
    live: b.status === 'active',
    rights: {
      owner: b.owner,
      scopes: b.scopes.length ? b.scopes : null,
      expires: b.expires_at && Date.parse(b.expires_at),
      rate: b.rate_limit,
      remaining: b.remaining,
    },
  }
}
const producerRights = async (w: World, c: Cred) => (c.keyId === null ? w.root : (await rightsOf(w, c.keyId)).rights)

const scopes = fc.oneof(fc.constant([]), fc.subarray(POOL, { minLength: 1, maxLength: 3 }))
const bounds = fc.oneof(
  fc.constant({}),
  fc.record({
    expires_at: fc.option(fc.constantFrom('2090-01-01T00:00:00.000Z', '2091-01-01T00:00:00.000Z'), { nil: undefined }),
    rate_limit: fc.option(fc.record({ limit: fc.constantFrom(1000, 2000), window_s: fc.constantFrom(60, 120) }), {
      nil: undefined,
    }),
    remaining: fc.option(fc.constantFrom(1000, 2000), { nil: undefined }),
  }),
) as fc.Arbitrary<{ expires_at?: string; rate_limit?: { limit: number; window_s: number }; remaining?: number }>
/** A credential or key of the world, by index; the root session (0) often. */
const idx = fc.oneof(fc.constant(0), fc.nat({ max: 50 }))
const action = fc.oneof(
  fc.record({
    t: fc.constant('create' as const),
    face: fc.constantFrom('native', 'flux', 'balena-user', 'balena-prov', 'realm'),
    by: idx,
    owner: fc.nat({ max: 2 }),
    scopes,
    bounds,
  }),
  fc.record({ t: fc.constant('roll' as const), by: idx, target: idx }),
  fc.record({
    t: fc.constant('patch' as const),
    face: fc.constantFrom('native', 'flux', 'balena'),
    by: idx,
    target: idx,
    scopes: fc.option(scopes, { nil: undefined }),
    bounds,
  }),
  fc.record({
    t: fc.constantFrom('enable' as const, 'disable' as const),
    face: fc.constantFrom('native', 'realm'),
    by: idx,
    target: idx,
  }),
)
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never

const pick = <T>(xs: T[], i: number): T => xs[i % xs.length]!
const name = () => `p-${randomBytes(4).toString('hex')}`
const asFlux = (c: Cred): Record<string, string> =>
  c.keyId === null ? { authorization: `Bearer ${c.token}` } : { 'x-api-key': c.token }
const realmId = (id: number) => id.toString(16).padStart(24, '0')

/**
 * A Realm refresh token for a credential: key login for a key, password login for
 * the root session ('' when refused). A Realm session records the key it was opened
 * with, so what it creates or enables is bounded by that key's rights, expiry and limits.
 */
async function realmLogin(w: World, c: Cred): Promise<string> {
  const login =
    c.keyId === null
      ? { path: 'local-userpass', body: { username: `${w.owners[0]!.name}@example.com`, password: w.password } }
      : { path: 'api-key', body: { key: c.token } }
  const r = await w.s.request('POST', `${REALM}/app/kw/auth/providers/${login.path}/login`, { body: login.body })
  return r.status === 200 ? r.body.refresh_token : ''
}

/** Runs one action; returns the key it produced or changed (and its new secret), or null when refused. */
async function run(w: World, a: Action): Promise<{ keyId: number; token?: string } | null> {
  const { s } = w
  const by = pick(w.creds, a.by)
  const b = a.t === 'create' || a.t === 'patch' ? a.bounds : {}
  if (a.t === 'create') {
    const owner = pick(w.owners, a.owner)
    if (a.face === 'native') {
      const r = await s.request('POST', '/v1/keys', {
        token: by.token,
        body: { name: name(), scopes: a.scopes, ...b, ...(owner.kind !== 'user' && { owner }) },
      })
      return r.status === 201 ? { keyId: r.body.api_key.id, token: r.body.key } : null
    }
    if (a.face === 'flux') {
      const body = {
        name: name(),
        scopes: a.scopes,
        rate_limit_per_minute: b.rate_limit?.limit,
        expires_at: b.expires_at,
      }
      const r = await s.request('POST', '/api/v1/api-keys', { headers: asFlux(by), body })
      return r.status === 201 ? { keyId: Number(r.body.api_key.id), token: r.body.key } : null
    }
    if (a.face === 'realm') {
      const rt = await realmLogin(w, by)
      const r = await s.request('POST', `${REALM}/auth/api_keys`, { token: rt, body: { name: name() } })
      return r.status === 201 ? { keyId: parseInt(r.body._id, 16), token: r.body.key } : null
    }
    const path =
      a.face === 'balena-user' ? '/api-key/user/full' : `/api-key/application/${pick(w.owners, 1).id}/provisioning`
    const r = await s.request('POST', path, {
      token: by.token,
      body: { name: name(), ...(b.expires_at && { expiryDate: b.expires_at }) },
    })
    if (r.status !== 200) return null
    const who = await s.request('GET', '/v1/auth/whoami', { token: r.body })
    return { keyId: who.body.api_key.id, token: r.body }
  }
  const target = pick(w.creds, a.target)
  if (target.keyId === null) return null
  const id = target.keyId
  if (a.t === 'roll') {
    const r = await s.request('POST', `/v1/keys/${id}/roll`, { token: by.token, body: {} })
    return r.status === 200 ? { keyId: id, token: r.body.key } : null
  }
  if (a.t === 'patch') {
    // A PATCH that changes no right (an empty body, or a name) does not make its caller the key's
    // producer: the rule covers changes of scopes, limits and expiry (`excessRights`), and the key's
    // rights stay within whoever last produced them, which `checkAll` still verifies.
    const changesRights =
      a.face === 'balena' ||
      a.scopes !== undefined ||
      (a.face === 'native' ? Object.values(b).some((v) => v !== undefined) : b.rate_limit !== undefined)
    const r =
      a.face === 'native'
        ? await s.request('PATCH', `/v1/keys/${id}`, {
            token: by.token,
            body: { ...(a.scopes && { scopes: a.scopes }), ...b },
          })
        : a.face === 'flux'
          ? await s.request('PATCH', `/api/v1/api-keys/${id}`, {
              headers: asFlux(by),
              body: {
                ...(a.scopes && { scopes: a.scopes }),
                ...(b.rate_limit && { rate_limit_per_minute: b.rate_limit.limit }),
              },
            })
          : await s.request('PATCH', `/v7/api_key(${id})`, {
              token: by.token,
              body: { expiry_date: b.expires_at ?? null },
            })
    return r.status === 200 && changesRights ? { keyId: id } : null
  }
  if (a.face === 'native') {
    const r = await s.request('POST', `/v1/keys/${id}/${a.t}`, { token: by.token })
    return r.status === 200 && a.t === 'enable' ? { keyId: id } : null
  }
  const rt = await realmLogin(w, by)
  const r = await s.request('PUT', `${REALM}/auth/api_keys/${realmId(id)}/${a.t}`, { token: rt })
  return r.status === 204 && a.t === 'enable' ? { keyId: id } : null
}

/** After a step: every live key is within what its last producer held, and within the root. */
async function checkAll(w: World, step: string): Promise<void> {
  for (const c of w.creds) {
    if (c.keyId === null) continue
    const { live, rights } = await rightsOf(w, c.keyId)
    if (!live) continue
    const why = within(c.producer, rights, w) ?? within(w.root, rights, w)
    assert.equal(
      why,
      null,
      `after ${step}: key ${c.keyId} ${JSON.stringify(rights)} exceeds ${JSON.stringify(c.producer)}`,
    )
  }
}

async function newWorld(s: TestServer, admin: string): Promise<World> {
  const mname = `m${randomBytes(4).toString('hex')}`
  const m = await s.member(mname, admin)
  const app = (await s.request('POST', '/v1/applications', { token: m.token, body: { name: 'fleet' } })).body
  const dev = (await s.request('POST', '/v1/devices', { token: m.token, body: { application_id: app.id } })).body
  const owners = [
    { kind: 'user', id: m.id, name: mname },
    { kind: 'application', id: app.id },
    { kind: 'device', id: dev.id },
  ]
  const root: Rights = { owner: owners[0]!, scopes: null, expires: null, rate: null, remaining: null }
  const domain = (o: OwnerRef) => owners.slice(o.kind === 'user' ? 0 : o.kind === 'application' ? 1 : 2)
  return {
    s,
    admin,
    password: `${mname}-password-1`,
    creds: [{ keyId: null, token: m.token, producer: root }],
    root,
    owners,
    domain,
  }
}

/** Successful steps per action kind, so a run that refuses everything cannot pass unnoticed. */
async function runSequence(
  s: TestServer,
  admin: string,
  actions: Action[],
  produced: Record<string, number>,
): Promise<void> {
  const w = await newWorld(s, admin)
  for (const [i, a] of actions.entries()) {
    const producer = await producerRights(w, pick(w.creds, a.by))
    const done = await run(w, a)
    if (done) {
      const kind = `${a.t}${'face' in a ? `/${a.face}` : ''}`
      produced[kind] = (produced[kind] ?? 0) + 1
      const known = w.creds.find((c) => c.keyId === done.keyId)
      if (known) Object.assign(known, { producer, ...(done.token && { token: done.token }) })
      else w.creds.push({ keyId: done.keyId, token: done.token!, producer })
    }
    await checkAll(w, `step ${i} ${JSON.stringify(a)}`)
  }
  for (const c of w.creds.slice(1))
    assert.notEqual(await tryCreateAdmin(s, c.token, `p${randomBytes(3).toString('hex')}`), 201)
}

/** Runs per store (about 30 s on SQLite, 15 s on PostgreSQL), and how many kinds of step must have succeeded at least once. */
const RUNS: Record<StoreKind, { runs: number; kinds: number }> = {
  sqlite: { runs: 40, kinds: 7 },
  postgres: { runs: 12, kinds: 5 },
}

for (const store of STORES) {
  describe(`derivation property: rights never grow, on every face (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store)
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('a bounded key may rename a key it manages, but not change its rights (the counterexample of 2026-11-30)', async () => {
      const m = await s.member(`m${randomBytes(4).toString('hex')}`, admin)
      const create = (body: object) =>
        s.request('POST', '/v1/keys', { token: m.token, body: { name: name(), ...body } })
      const limited = (await create({ rate_limit: { limit: 100, window_s: 60 } })).body
      const free = (await create({})).body
      const patch = (body: object) => s.request('PATCH', `/v1/keys/${free.api_key.id}`, { token: limited.key, body })
      assert.equal((await patch({})).status, 200)
      assert.equal((await patch({ name: 'renamed' })).status, 200)
      assert.equal((await patch({ scopes: ['keys:read'] })).status, 403, 'a rights change needs the rights')
      const after = (await s.request('GET', `/v1/keys/${free.api_key.id}`, { token: admin })).body
      assert.equal(after.name, 'renamed')
      assert.equal(after.rate_limit, null, 'the rename left its rights as they were')
      assert.deepEqual(after.scopes, [])
    })

    it('keeps every live key within its producer and its root after every step of random action sequences', async () => {
      const produced: Record<string, number> = {}
      await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 14 }), (actions) =>
          runSequence(s, admin, actions, produced),
        ),
        { numRuns: RUNS[store].runs },
      )
      const kinds = Object.keys(produced)
      assert.ok(kinds.length >= RUNS[store].kinds, `steps succeeded on only ${JSON.stringify(produced)}`)
    })
  })
}
