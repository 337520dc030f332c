import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'
import { type Tenant, ids, makeTenant } from './fixture.js'

for (const store of STORES) {
  describe(`balena face: OData, credentials, errors, CORS (${store})`, () => {
    let s: TestServer
    let bea: Tenant
    let carl: Tenant
    let named: { id: number; key: string }[]
    const get = (url: string, token = bea.user.token) => s.request('GET', url, { token })
    const enc = encodeURIComponent

    before(async () => {
      s = await TestServer.start(store)
      const admin = await s.adminToken()
      bea = await makeTenant(s, 'bea', admin)
      carl = await makeTenant(s, 'carl', admin)
      named = []
      for (const [name, description] of [
        ['alpha', 'first'],
        ['Beta', null],
        ["o'brien", 'quote'],
        ['a&b+c/d%', 'odd'],
      ] as const) {
        named.push(await s.createKey(bea.user.token, { name, ...(description && { description }) }))
      }
    })
    after(() => s.close())

    it('comparison operators, in, not, and/or, null comparisons', async () => {
      const [alpha, beta] = named
      assert.deepEqual(ids((await get(`/v7/api_key?$filter=id eq ${alpha!.id}`)).body), [alpha!.id])
      assert.deepEqual(
        ids((await get(`/v7/api_key?$filter=id in (${alpha!.id},${beta!.id},${carl.userKey.id})`)).body),
        [alpha!.id, beta!.id],
      )
      const ge = ids((await get(`/v7/api_key?$filter=id ge ${alpha!.id} and id le ${beta!.id}`)).body)
      assert.deepEqual(ge, [alpha!.id, beta!.id])
      assert.deepEqual(ids((await get(`/v7/api_key?$filter=id gt ${alpha!.id} and id lt ${beta!.id}`)).body), [])
      assert.deepEqual(ids((await get(`/v7/api_key?$filter=id eq ${alpha!.id} or id eq ${beta!.id}`)).body), [
        alpha!.id,
        beta!.id,
      ])
      const notNamed = ids((await get(`/v7/api_key?$filter=not(name eq 'alpha')`)).body)
      assert.ok(!notNamed.includes(alpha!.id) && notNamed.includes(beta!.id))
      // ne is null-safe: keys without a description are "not 'first'".
      const ne = ids((await get(`/v7/api_key?$filter=description ne 'first'`)).body)
      assert.ok(ne.includes(beta!.id) && !ne.includes(alpha!.id))
      const nulls = ids((await get('/v7/api_key?$filter=description eq null')).body)
      assert.ok(nulls.includes(beta!.id) && !nulls.includes(alpha!.id))
      assert.ok(ids((await get('/v7/api_key?$filter=description ne null')).body).includes(alpha!.id))
      assert.deepEqual(ids((await get('/v7/api_key?$filter=name eq null')).body), [bea.deviceKey.id])
    })

    it('string functions are case-sensitive unless lowered; quotes and SDK-encoded literals round-trip', async () => {
      const names = async (f: string) =>
        (await get(`/v7/api_key?$filter=${f}`)).body.d.map((k: { name: string }) => k.name).sort()
      assert.deepEqual(await names("contains(name,'eta')"), ['Beta'])
      assert.deepEqual(await names("contains(name,'ETA')"), [])
      assert.deepEqual(await names("contains(tolower(name),'beta')"), ['Beta'])
      assert.deepEqual(await names("toupper(name) eq 'ALPHA'"), ['alpha'])
      assert.deepEqual(await names("startswith(name,'al')"), ['alpha'])
      assert.deepEqual(await names("endswith(name,'ien')"), ["o'brien"])
      assert.deepEqual(await names("endswith(name,'a-much-longer-suffix')"), [])
      assert.deepEqual(await names("name eq 'o''brien'"), ["o'brien"])
      assert.deepEqual(await names(`name eq ${enc("'a&b+c/d%'")}`), ['a&b+c/d%'])
      assert.deepEqual(await names(`${enc('name eq ')}${enc("'o''brien'")}`), ["o'brien"])
    })

    it('dates compare as timestamps: datetime literals, date strings and now()', async () => {
      const all = ids((await get('/v7/api_key')).body)
      assert.deepEqual(ids((await get("/v7/api_key?$filter=created_at gt datetime'2000-01-01T00:00:00Z'")).body), all)
      assert.deepEqual(ids((await get("/v7/api_key?$filter=created_at gt '2000-01-01'")).body), all)
      assert.deepEqual(ids((await get("/v7/api_key?$filter=created_at lt '2000-01-01T00:00:00Z'")).body), [])
      assert.deepEqual(ids((await get('/v7/api_key?$filter=created_at le now()')).body), all)
      const r = await get("/v7/api_key?$filter=created_at gt 'yesterday'")
      assert.equal(r.status, 400)
    })

    it('to-one paths, to-many comparisons and any/all lambdas nested up to three deep', async () => {
      assert.deepEqual(ids((await get(`/v7/api_key?$filter=is_of__actor eq ${bea.app.actor_id}`)).body), [
        bea.provKey.id,
      ])
      assert.deepEqual(ids((await get(`/v7/api_key?$filter=is_of__actor/id eq ${bea.device.actor_id}`)).body), [
        bea.deviceKey.id,
      ])
      const deep = `is_of__actor/any(a:a/is_of__device/any(d:d/belongs_to__application/any(x:x/slug eq '${bea.app.slug}')))`
      // any() over a to-one navigation is "the linked row matches", as in pine.
      assert.deepEqual(ids((await get(`/v7/api_key?$filter=${deep}`)).body), [bea.deviceKey.id])
      const deeper = `is_of__actor/any(a:a/is_of__application/any(p:p/owns__device/any(e:e/uuid eq '${bea.device.uuid}')))`
      assert.deepEqual(ids((await get(`/v7/api_key?$filter=${deeper}`)).body), [bea.provKey.id])
      const all = `is_of__actor/all(a:a/is_of__user/any(u:u/id eq ${bea.user.id}))`
      assert.deepEqual(ids((await get(`/v7/api_key?$filter=${all}`)).body).includes(bea.userKey.id), true)
      assert.deepEqual(ids((await get(`/v7/api_key?$filter=${all}`)).body).includes(bea.provKey.id), false)
      const apps = await get(
        `/v7/application?$filter=owns__device/any(d:d/uuid eq '${bea.device.uuid}')&$select=id,slug`,
      )
      assert.deepEqual(apps.body.d, [{ id: bea.app.id, slug: bea.app.slug }])
    })

    it('$select, $orderby (NULLs last ascending), $top, $skip, $count and nested $expand', async () => {
      const ordered = (await get('/v7/api_key?$select=id,description&$orderby=description asc,id desc')).body.d
      const descs = ordered.map((k: { description: string | null }) => k.description)
      const firstNull = descs.indexOf(null)
      assert.ok(firstNull > 0 && descs.slice(firstNull).every((d: unknown) => d === null), 'NULLs last ascending')
      assert.deepEqual(descs.slice(0, firstNull), [...descs.slice(0, firstNull)].sort())
      const desc = (await get('/v7/api_key?$select=description&$orderby=description desc')).body.d
      assert.equal(desc[0].description, null, 'NULLs first descending')
      assert.deepEqual(Object.keys(ordered[0]).sort(), ['description', 'id'])
      const page = (await get('/v7/api_key?$orderby=id asc&$top=2&$skip=1')).body.d
      const everything = ids((await get('/v7/api_key')).body)
      assert.deepEqual(
        page.map((k: { id: number }) => k.id),
        everything.slice(1, 3),
      )
      const count = await get("/v7/api_key/$count?$filter=startswith(name,'a')")
      assert.deepEqual(count.body, { d: 2 })
      const ex = await get(
        `/v7/api_key(${bea.userKey.id})?$select=id&$expand=is_of__actor($select=id;$expand=is_of__user($select=id,username))`,
      )
      assert.deepEqual(ex.body.d, [
        {
          id: bea.userKey.id,
          is_of__actor: [{ id: bea.user.actorId, is_of__user: [{ id: bea.user.id, username: 'bea' }] }],
        },
      ])
      const filtered = await get(
        `/v7/api_key(${bea.userKey.id})?$select=id&$expand=is_of__actor($expand=is_of__device($filter=id eq 0))`,
      )
      assert.deepEqual(filtered.body.d[0].is_of__actor[0].is_of__device, [])
    })

    it("row keys: api_key(5), api_key('5'), device(uuid=…), device(id), application(id); a non-integer id is a 400", async () => {
      assert.deepEqual(ids((await get(`/v7/api_key(${bea.userKey.id})`)).body), [bea.userKey.id])
      assert.deepEqual(ids((await get(`/v7/api_key('${bea.userKey.id}')`)).body), [bea.userKey.id])
      assert.equal((await get("/v7/api_key('abc')")).status, 400)
      const d = await get(`/v7/device(uuid='${bea.device.uuid}')?$select=actor`)
      assert.deepEqual(d.body, { d: [{ actor: { __id: bea.device.actor_id } }] })
      assert.deepEqual((await get(`/v7/device(${bea.device.id})?$select=id`)).body, { d: [{ id: bea.device.id }] })
      assert.deepEqual((await get(`/v7/application(${bea.app.id})?$select=actor`)).body, {
        d: [{ actor: { __id: bea.app.actor_id } }],
      })
      assert.deepEqual((await get(`/v7/device(uuid='${carl.device.uuid}')`)).body, { d: [] })
      assert.deepEqual((await get(`/v7/user?$select=id,username`)).body, { d: [{ id: bea.user.id, username: 'bea' }] })
      // Her personal organization is an actor she sees too (migration 0011).
      const org = (await s.request('GET', '/v1/organizations', { token: bea.user.token })).body.organizations[0]
      assert.deepEqual(
        ids((await get('/v7/actor')).body),
        [bea.user.actorId, bea.app.actor_id, bea.device.actor_id, org.actor_id].sort((a, b) => a - b),
      )
    })

    it('anything unsupported is a 400 naming the part, never a 500', async () => {
      const cases: [string, RegExp][] = [
        ["/v7/api_key?$filter=key eq 'x'", /"key"/],
        ['/v7/api_key?$select=key', /"key"/],
        ['/v7/api_key?$filter=length(name) eq 2', /length/],
        ['/v7/api_key?$filter=id add 1 eq 2', /add/],
        ["/v7/api_key?$filter=created_at gt now() sub duration'P1D'", /sub|duration/],
        ['/v7/api_key?$expand=is_of__actor/$count', /\$count/],
        ['/v7/api_key?$expand=nope', /nope/],
        ['/v7/api_key?$format=json', /\$format/],
        ['/v7/api_key?$foo=1', /\$foo/],
        ["/v7/api_key?$filter=name eq 'x'&$filter=name eq 'y'", /twice/],
        ['/v7/api_key?$filter=is_of__actor/is_of__user/id eq 1', /is_of__user/],
        ['/v7/api_key?$filter=name eq 5', /compare/],
        ['/v7/api_key?$filter=id eq 1.5', /integer/],
        ['/v7/api_key?$filter=name', /not a condition|value/],
        ['/v7/api_key?$orderby=is_of__actor/is_of__user/id', /is_of__user/],
        ['/v7/api_key?$top=-1', /\$top|malformed/],
        ["/v7/api_key?$filter=(name eq 'a'", /unbalanced/],
        ['/v7/api_key(5)/is_of__actor', /navigating/],
      ]
      for (const [url, message] of cases) {
        const r = await get(url)
        assert.equal(r.status, 400, `${url}: ${r.text}`)
        assert.equal(typeof r.body.error, 'string')
        assert.match(r.body.message, message, url)
      }
      assert.equal((await get('/v7/nothing')).status, 404)
    })

    it('filters beyond the cost limits are a 400 query_too_expensive naming the limit, before reaching the database', async () => {
      const refused = async (filter: string, message: RegExp) => {
        const r = await get(`/v7/api_key?$filter=${encodeURIComponent(filter)}`)
        assert.equal(r.status, 400, `${filter}: ${r.text}`)
        assert.equal(r.body.error, 'query_too_expensive')
        assert.match(r.body.message, message)
      }
      // 100 `not`s pass the text's operator count (at most 100), and nest deeper than the tree allows.
      await refused('not('.repeat(100) + 'id eq 1' + ')'.repeat(100), /nested too deeply \(more than 100 levels\)/)
      await refused('not('.repeat(300) + 'id eq 1' + ')'.repeat(300), /too many operators \(more than 100/)
      await refused(Array.from({ length: 51 }, (_, i) => `id eq ${i}`).join(' or '), /more than 50 comparisons/)
      await refused(
        Array.from({ length: 31 }, () => 'is_of__actor/any(a:a/is_of__user/any(u:u/id eq 1))').join(' or '),
        /more than 60 joins/,
      )
      await refused(`id in (${Array.from({ length: 1001 }, (_, i) => i).join(',')})`, /at most 1000/)
      // Quadratic shapes: each key scanning its owner's keys; each device scanning its fleet's devices.
      await refused(
        "is_of__actor/any(a:a/api_key/any(k:contains(k/name,'zz')))",
        /re-enters api_key from api_key → actor/,
      )
      await refused("is_of__actor/api_key/any(k:k/name eq 'x')", /re-enters api_key/)
      await refused(
        `is_of__actor/any(a:a/is_of__device/any(d:d/belongs_to__application/owns__device/any(e:e/uuid eq '${bea.device.uuid}')))`,
        /re-enters device/,
      )
      await refused(
        `is_of__actor/any(a:a/is_of__application/any(p:p/owns__device/any(d:d/actor/any(x:x/id eq 1))))`,
        /any\/all more than 3 deep/,
      )
      const exactly = Array.from({ length: 50 }, (_, i) => `id eq ${i}`).join(' or ')
      assert.equal((await get(`/v7/api_key?$filter=${encodeURIComponent(exactly)}`)).status, 200)
    })

    it('$top, $skip, $expand and unindexed $orderby beyond their limits are a 400 query_too_expensive', async () => {
      const cases: [string, RegExp][] = [
        ['/v7/api_key?$top=10001', /\$top is at most 10000/],
        ['/v7/api_key?$skip=100001', /\$skip is at most 100000/],
        [
          '/v7/api_key?$expand=is_of__actor($expand=is_of__user($expand=actor))',
          /nested too deep \(at most 2 levels\)/,
        ],
        [
          '/v7/actor?$expand=is_of__user,is_of__application,is_of__device,api_key,is_of__user',
          /more than 4 navigations/,
        ],
      ]
      for (const [url, message] of cases) {
        const r = await get(url)
        assert.equal(r.status, 400, `${url}: ${r.text}`)
        assert.equal(r.body.error, 'query_too_expensive', url)
        assert.match(r.body.message, message, url)
      }
      assert.equal((await get('/v7/api_key?$top=10000&$skip=100000')).status, 200)
      assert.equal((await get('/v7/actor?$expand=is_of__user,is_of__application,is_of__device,api_key')).status, 200)
    })

    it('PATCH and DELETE take only api_key(<id>); foreign, unknown and revoked ids are 404 and change nothing', async () => {
      const patch = (url: string, body: unknown, token = bea.user.token) => s.request('PATCH', url, { token, body })
      assert.equal((await patch(`/v7/api_key(${named[0]!.id})`, { is_of__actor: 5 })).status, 400)
      assert.equal((await patch(`/v7/api_key(${named[0]!.id})`, { name: '' })).status, 400)
      assert.equal((await patch(`/v7/api_key(${named[0]!.id})`, { name: 'x'.repeat(51) })).status, 400)
      assert.equal((await patch('/v7/api_key', { name: 'x' })).status, 400)
      assert.equal((await patch(`/v7/api_key(${carl.userKey.id})`, { name: 'mine' })).status, 404)
      assert.equal((await patch('/v7/api_key(999999)', { name: 'mine' })).status, 404)
      assert.equal(
        (await s.request('DELETE', `/v7/api_key(${carl.userKey.id})`, { token: bea.user.token })).status,
        404,
      )
      assert.equal((await s.verify(carl.user.token, carl.userKey.key)).valid, true)
      const post = await s.request('POST', '/v7/api_key', { token: bea.user.token, body: { name: 'x' } })
      assert.equal(post.status, 405)
      const victim = await s.createKey(bea.user.token, { name: 'victim' })
      assert.equal((await s.request('DELETE', `/v7/api_key(${victim.id})`, { token: bea.user.token })).status, 200)
      assert.equal((await patch(`/v7/api_key(${victim.id})`, { name: 'back' })).status, 404)
      assert.equal((await s.request('DELETE', `/v7/api_key(${victim.id})`, { token: bea.user.token })).status, 404)
      assert.equal((await s.request('GET', `/v1/keys/${victim.id}`, { token: bea.user.token })).body.name, 'victim')
    })

    it("credentials: Bearer or ?apikey=, Bearer wins; 401 in balena's envelope for missing, bad and non-user keys", async () => {
      const noAuth = await s.request('GET', '/v7/api_key')
      assert.equal(noAuth.status, 401)
      assert.equal(noAuth.body.error, 'unauthorized')
      assert.equal(typeof noAuth.body.message, 'string')
      assert.match(String(noAuth.headers['content-type']), /application\/json/)
      const byQuery = await s.request('GET', `/v7/api_key?$select=id&apikey=${bea.userKey.key}`)
      assert.equal(byQuery.status, 200)
      assert.deepEqual(ids(byQuery.body), ids((await get('/v7/api_key')).body))
      const bearerWins = await s.request('GET', `/v7/api_key?apikey=${bea.userKey.key}`, { token: carl.user.token })
      assert.ok(!ids(bearerWins.body).includes(bea.userKey.id))
      assert.equal((await get('/v7/api_key', 'kwsess_unknown')).status, 401)
      assert.equal((await get('/v7/api_key', bea.provKey.key)).status, 401)
      assert.equal((await get('/v7/api_key', bea.deviceKey.key)).status, 401)
      assert.equal(
        (await s.request('POST', '/api-key/user/full', { token: bea.provKey.key, body: { name: 'x' } })).status,
        401,
      )
      const who = await get('/actor/v1/whoami', bea.provKey.key)
      assert.deepEqual(who.body, {
        id: bea.app.actor_id,
        actorType: 'application',
        actorTypeId: bea.app.id,
        slug: bea.app.slug,
      })
      const scoped = await s.createKey(bea.user.token, { name: 'read-only', scopes: ['keys:read'] })
      assert.equal((await get('/v7/api_key', scoped.key)).status, 200)
      assert.equal(
        (await s.request('POST', '/api-key/user/full', { token: scoped.key, body: { name: 'wider' } })).status,
        401,
      )
      assert.equal((await s.request('DELETE', `/v7/api_key(${named[0]!.id})`, { token: scoped.key })).status, 401)
    })

    it('login: 200 token text, 401 on bad credentials', async () => {
      const ok = await s.request('POST', '/login_', { body: { username: 'bea', password: 'bea-password-1' } })
      assert.equal(ok.status, 200)
      assert.match(ok.text, /^kwsess_[^.]+$/)
      assert.equal((await get('/actor/v1/whoami', ok.text)).body.actorTypeId, bea.user.id)
      const bad = await s.request('POST', '/login_', { body: { username: 'bea', password: 'nope' } })
      assert.equal(bad.status, 401)
      assert.equal(bad.body.error, 'unauthorized')
    })

    it('key creation routes: validation, ownership and device keys supplied by the caller', async () => {
      const post = (url: string, body: unknown, token = bea.user.token) => s.request('POST', url, { token, body })
      assert.equal((await post('/api-key/user/full', { name: 'n', expiryDate: 2008 })).status, 400)
      assert.equal((await post('/api-key/user/full', { name: 'n', expiryDate: 'not a date' })).status, 400)
      assert.equal((await post('/api-key/user/full', {})).status, 400)
      assert.equal((await post('/api-key/user/full', { name: 'n', description: 'x'.repeat(151) })).status, 400)
      const local = await post('/api-key/user/full', { name: 'local-time', expiryDate: '2099-01-02T03:04:05' })
      assert.equal((await s.verify(bea.user.token, JSON.parse(local.text))).expires_at, '2099-01-02T03:04:05.000Z')
      assert.equal((await post('/api-key/application/abc/provisioning', {})).status, 400)
      assert.equal((await post(`/api-key/application/${carl.app.id}/provisioning`, {})).status, 404)
      const prov = await post(`/api-key/application/${bea.app.id}/provisioning`, {})
      assert.equal(prov.status, 200)
      assert.deepEqual((await s.verify(bea.user.token, JSON.parse(prov.text))).owner, {
        kind: 'application',
        id: bea.app.id,
      })
      const own = 'f'.repeat(32)
      const dk = await post(`/api-key/device/${bea.device.id}/device-key`, { apiKey: own })
      assert.equal(JSON.parse(dk.text), own)
      assert.deepEqual((await s.verify(bea.user.token, own)).owner, { kind: 'device', id: bea.device.id })
      assert.equal((await post(`/api-key/device/${carl.device.id}/device-key`, {})).status, 404)
      const v2 = await post('/api-key/v2/', {
        actorType: 'application',
        actorTypeId: bea.app.id,
        roles: ['device-api-key'],
        expiryDate: null,
      })
      assert.equal(v2.status, 400)
    })

    it('device registration validates its body and answers exactly 201', async () => {
      const reg = (body: unknown, token = bea.provKey.key) => s.request('POST', '/device/register', { token, body })
      assert.equal((await reg({ application: bea.app.id, device_type: 'x' })).status, 400)
      assert.equal((await reg({ application: bea.app.id, uuid: 'a'.repeat(32) })).status, 400)
      assert.equal((await reg({ application: 'one', uuid: 'a'.repeat(32), device_type: 'x' })).status, 400)
      assert.equal((await reg({ application: bea.app.id, uuid: 'a'.repeat(32), device_type: 'x' }, 'nope')).status, 401)
      const byQuery = await s.request('POST', `/device/register?apikey=${bea.provKey.key}`, {
        body: { application: bea.app.id, uuid: 'b'.repeat(32), device_type: 'x' },
      })
      assert.equal(byQuery.status, 201)
      assert.deepEqual(Object.keys(byQuery.body).sort(), ['api_key', 'id', 'uuid'])
    })

    it('CORS: preflights answer and responses allow any origin', async () => {
      const pre = await s.request('OPTIONS', '/v7/api_key', {
        headers: { origin: 'https://dashboard.example', 'access-control-request-method': 'PATCH' },
      })
      assert.equal(pre.status, 204)
      assert.match(String(pre.headers['access-control-allow-methods']), /PATCH/)
      assert.match(String(pre.headers['access-control-allow-headers']), /Authorization/)
      assert.equal((await get('/v7/api_key')).headers['access-control-allow-origin'], '*')
    })
  })
}
