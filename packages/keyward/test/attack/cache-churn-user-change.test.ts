import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { BACKENDS, Cluster, SKIP_NO_POSTGRES, within } from '../scale/cluster.js'

/**
 * Attack on the CLOCK verify cache and its by-user index: with a tiny cache (KEYWARD_CACHE_SIZE=4)
 * and more keys than slots, so entries are evicted and re-cached all the time, a user's role
 * change, deactivation and deletion must reach every key of theirs, as a bearer credential and
 * through verify, on the node that made the change and on another one.
 */
const SMALL = { KEYWARD_CACHE_SIZE: '4' }
/** Room for every key: entries stay cached, so only the by-user index can evict them. */
const ROOMY = { KEYWARD_CACHE_SIZE: '64' }
const N_KEYS = 10

interface Nodes {
  writer: TestServer
  reader: TestServer
  admin: string
  readerAdmin: string
}

function attack(nodes: () => Nodes, settle: (check: () => Promise<boolean>) => Promise<unknown>) {
  let memberId: number
  let adminId: number
  let keys: string[]
  /** 200: the key acts as an admin; 404: as a member; 401: refused. */
  const asBearer = async (k: string) =>
    (await nodes().reader.request('GET', `/v1/users/${adminId}`, { token: k })).status
  /** Every key used twice, in two orders, so the tiny cache evicts and re-caches them. */
  const churn = async () => {
    const out = new Set<number>()
    for (const k of [...keys, ...[...keys].reverse()]) out.add(await asBearer(k))
    return [...out]
  }
  const verifyCodes = async () => {
    const { reader, readerAdmin } = nodes()
    const out = new Set<string>()
    for (const k of keys) out.add((await reader.verify(readerAdmin, k)).code)
    return [...out]
  }
  const change = async (method: string, path: string, body?: unknown) => {
    const { writer, admin } = nodes()
    const r = await writer.request(method, path, { token: admin, body })
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`)
  }

  before(async () => {
    const { writer, admin } = nodes()
    adminId = (await writer.request('GET', '/v1/auth/whoami', { token: admin })).body.user.id
    const m = await writer.member(`churn${Math.floor(Math.random() * 1e9)}`, admin)
    memberId = m.id
    await change('PATCH', `/v1/users/${memberId}`, { role: 'admin' })
    keys = []
    for (let i = 0; i < N_KEYS; i++) keys.push((await writer.createKey(m.token)).key)
  })

  it('a demotion reaches every key, cached or evicted, at once or after the bus', async () => {
    assert.deepEqual(await churn(), [200])
    // Lookups in flight on the reader (tiny cache: misses) while the demotion lands.
    const storm = Promise.all([...keys, ...keys].map(asBearer))
    await change('PATCH', `/v1/users/${memberId}`, { role: 'member' })
    await storm
    await settle(async () => (await asBearer(keys[0]!)) === 404)
    for (let round = 0; round < 3; round++) assert.deepEqual(await churn(), [404], `BROKEN: round ${round}`)
  })

  it('a promotion back reaches them too, then deactivation refuses all (bearer 401, verify DISABLED)', async () => {
    await change('PATCH', `/v1/users/${memberId}`, { role: 'admin' })
    await settle(async () => (await asBearer(keys[0]!)) === 200)
    assert.deepEqual(await churn(), [200])
    await change('POST', `/v1/users/${memberId}/deactivate`)
    await settle(async () => (await asBearer(keys[keys.length - 1]!)) === 401)
    for (let round = 0; round < 3; round++) assert.deepEqual(await churn(), [401], `BROKEN: round ${round}`)
    assert.deepEqual(await verifyCodes(), ['DISABLED'])
  })

  it('revoke, disable and a roll past grace reach keys that are evicted and re-cached meanwhile', async () => {
    const { writer, admin, reader, readerAdmin } = nodes()
    const ks: { key: string; id: number }[] = []
    for (let i = 0; i < N_KEYS; i++) ks.push(await writer.createKey(admin))
    const code = async (k: string) => (await reader.verify(readerAdmin, k)).code as string
    for (let round = 0; round < 20; round++) {
      const victim = ks[round % N_KEYS]!
      const fresh = await writer.createKey(admin)
      // A storm of lookups on the reader (misses in the tiny cache: queries in flight) while the write lands.
      const storm = Promise.all(
        Array.from({ length: 12 }, (_, i) => code(i % 2 ? fresh.key : ks[(round + i) % N_KEYS]!.key)),
      )
      const path = round % 3 === 0 ? 'revoke' : round % 3 === 1 ? 'disable' : 'roll'
      const body = path === 'roll' ? { grace_period_s: 0 } : path === 'revoke' ? {} : undefined
      const w = await writer.request('POST', `/v1/keys/${fresh.id}/${path}`, { token: admin, body })
      assert.equal(w.status, 200, w.text)
      await storm
      const want = path === 'revoke' ? 'REVOKED' : path === 'disable' ? 'DISABLED' : new Set(['EXPIRED', 'NOT_FOUND'])
      const ok = (c: string) => (typeof want === 'string' ? c === want : want.has(c))
      await settle(async () => ok(await code(fresh.key)))
      for (let again = 0; again < 3; again++) {
        const c = await code(fresh.key)
        assert.ok(ok(c), `BROKEN: round ${round}, ${path}: answered ${c} after the write reached the node`)
        await code(victim.key) // churn
      }
    }
  })

  it('reactivation, then deletion: every key answers REVOKED', async () => {
    await change('POST', `/v1/users/${memberId}/reactivate`)
    await settle(async () => (await asBearer(keys[0]!)) === 200)
    assert.deepEqual(await churn(), [200])
    await change('DELETE', `/v1/users/${memberId}`)
    await settle(async () => (await nodes().reader.verify(nodes().readerAdmin, keys[3]!)).code === 'REVOKED')
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(await churn(), [401], `BROKEN: round ${round}`)
      assert.deepEqual(await verifyCodes(), ['REVOKED'], `BROKEN: round ${round}`)
    }
  })
}

for (const [store, env] of STORES.flatMap((st) => [SMALL, ROOMY].map((e) => [st, e] as const))) {
  describe(`attack: verify cache of ${env.KEYWARD_CACHE_SIZE}, user changes, one node (${store})`, () => {
    let s: TestServer
    let admin: string
    before(async () => {
      s = await TestServer.start(store, { env })
      admin = await s.adminToken()
    })
    after(() => s.close())
    attack(
      () => ({ writer: s, reader: s, admin, readerAdmin: admin }),
      async (check) => assert.ok(await check(), 'BROKEN: not at once on the node that made the change'),
    )
  })
}

for (const backend of BACKENDS) {
  describe(`attack: tiny verify cache, user changes, two nodes (${backend})`, { skip: SKIP_NO_POSTGRES }, () => {
    let c: Cluster
    let admin: string
    let readerAdmin: string
    before(async () => {
      c = await Cluster.start(2, backend, SMALL)
      admin = await c.nodes[0]!.adminToken()
      readerAdmin = await c.nodes[1]!.adminToken()
    })
    after(() => c.close())
    attack(
      () => ({ writer: c.nodes[0]!, reader: c.nodes[1]!, admin, readerAdmin }),
      (check) => within(3000, check, 20),
    )
  })
}
