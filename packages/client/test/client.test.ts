import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { KeywardError, createClient, isKeywardError, keyPrefixOf } from '../src/index.js'
import { ADMIN, type Listening, STORES, listening, member } from './server.js'

for (const kind of STORES) {
  describe(`@keyward/client against a listening server (${kind})`, () => {
    let l: Listening
    before(async () => {
      l = await listening(kind)
    })
    after(() => l.close())

    test('login keeps the session token; whoami names the user; logout ends the session', async () => {
      const kw = createClient({ url: l.url })
      const r = await kw.auth.login(ADMIN)
      assert.equal(r.token_type, 'Bearer')
      assert.equal(r.user.email, ADMIN.email)
      assert.equal(kw.auth.token, r.access_token)
      const me = await kw.auth.whoami()
      assert.equal(me.via, 'session')
      assert.equal(me.user?.role, 'admin')
      await kw.auth.logout()
      assert.equal(kw.auth.token, null)
      // The server forgot the session: reusing the old token is refused.
      await assert.rejects(createClient({ url: l.url, token: r.access_token }).auth.whoami(), {
        name: 'KeywardError',
        code: 'unauthorized',
        status: 401,
      })
    })

    test('a wrong password is a KeywardError with code unauthorized and status 401', async () => {
      const kw = createClient({ url: l.url })
      const e = await kw.auth.login({ email: ADMIN.email, password: 'wrong-password' }).catch((x: unknown) => x)
      assert.ok(e instanceof KeywardError)
      assert.ok(isKeywardError(e))
      assert.equal(e.code, 'unauthorized')
      assert.equal(e.status, 401)
      assert.equal(kw.auth.token, null)
    })

    test('create returns the secret once; rate_limit_per_minute is sugar for a 60 s window', async () => {
      const { key, api_key } = await l.admin.apiKeys.create({
        name: 'Production Service',
        description: 'prod',
        scopes: ['read:users'],
        rate_limit_per_minute: 100,
        expires_at: '2099-12-31T23:59:59Z',
        meta: { team: 'core' },
        remaining: 1000,
        refill: { amount: 10, interval_s: 3600 },
      })
      assert.match(key, /^kw_[0-9A-Za-z]+$/)
      assert.equal(api_key.name, 'Production Service')
      assert.deepEqual(api_key.rate_limit, { limit: 100, window_s: 60 })
      assert.deepEqual(api_key.refill, { amount: 10, interval_s: 3600 })
      assert.equal(api_key.remaining, 1000)
      assert.deepEqual(api_key.meta, { team: 'core' })
      assert.ok(key.startsWith(api_key.key_prefix))
      const fetched = await l.admin.apiKeys.get(api_key.id)
      assert.equal(JSON.stringify(fetched).includes(key), false, 'a read never returns the secret')
    })

    test('a custom prefix and an explicit owner are passed through', async () => {
      const app = await l.admin.applications.create({ name: 'fleet-prefix' })
      const { key, api_key } = await l.admin.apiKeys.create({
        name: 'prov',
        prefix: 'fleet',
        owner: { kind: 'application', id: app.id },
      })
      assert.match(key, /^fleet_/)
      assert.equal(api_key.kind, 'provisioning')
      assert.deepEqual(api_key.owner, { kind: 'application', id: app.id })
    })

    test('list filters and pages; iterate walks every page; all collects them', async () => {
      const tag = `page-${kind}`
      const ids = new Set<number>()
      for (let i = 0; i < 5; i++) ids.add((await l.admin.apiKeys.create({ name: `${tag}-${i}` })).api_key.id)
      const first = await l.admin.apiKeys.list({ q: tag, limit: 2, status: 'active' })
      assert.equal(first.api_keys.length, 2)
      assert.equal(first.total, 5)
      assert.ok(first.next_cursor)
      const seen: number[] = []
      for await (const k of l.admin.apiKeys.iterate({ q: tag, limit: 2 })) seen.push(k.id)
      assert.deepEqual(new Set(seen), ids)
      assert.equal(seen.length, 5, 'no key is yielded twice')
      assert.deepEqual(new Set((await l.admin.apiKeys.all({ q: tag, limit: 3 })).map((k) => k.id)), ids)
      assert.equal((await l.admin.apiKeys.list({ q: tag, status: 'revoked' })).total, 0)
    })

    test('list by prefix finds a key from its start or the whole key, sending only the visible start', async () => {
      const { key, api_key } = await l.admin.apiKeys.create({ name: `prefix-${kind}` })
      const urls: string[] = []
      const kw = createClient({
        url: l.url,
        token: l.admin.auth.token!,
        fetch: (url, init) => (urls.push(String(url)), fetch(url, init)),
      })
      for (const start of [key, api_key.key_prefix, api_key.key_prefix.slice(0, -3)])
        assert.ok(
          (await kw.apiKeys.list({ prefix: start })).api_keys.some((k) => k.id === api_key.id),
          start,
        )
      assert.equal(keyPrefixOf(key), api_key.key_prefix, "the SDK's rule is the server's")
      assert.ok(
        urls.length === 3 && urls.every((u) => !u.includes(key.slice(0, 12))),
        'no more than the visible start is sent',
      )
      assert.equal((await kw.apiKeys.list({ prefix: 'KW' + key.slice(2) })).total, 0, 'case-sensitive')
    })

    test('list sorts by a column in either order, and iterate keeps the sort across pages', async () => {
      const tag = `sort-${kind}`
      for (const n of ['c', 'a', 'b']) await l.admin.apiKeys.create({ name: `${tag}-${n}` })
      const names = async (order: 'asc' | 'desc') =>
        (await l.admin.apiKeys.all({ q: tag, sort: 'name', order, limit: 1 })).map((k) => k.name)
      assert.deepEqual(await names('asc'), [`${tag}-a`, `${tag}-b`, `${tag}-c`])
      assert.deepEqual(await names('desc'), [`${tag}-c`, `${tag}-b`, `${tag}-a`])
      const page = await l.admin.apiKeys.list({ q: tag, sort: 'name', limit: 1 })
      await assert.rejects(l.admin.apiKeys.list({ q: tag, sort: 'expires_at', cursor: page.next_cursor! }), {
        code: 'validation_failed',
        status: 400,
      })
    })

    test('usage answers verifications per day, valid and refused by code, once the server flushed them', async () => {
      const { key, api_key } = await l.admin.apiKeys.create({ name: 'usage-sdk' })
      await l.admin.apiKeys.verify(key)
      await l.admin.apiKeys.verify(key)
      await l.admin.apiKeys.disable(api_key.id)
      assert.equal((await l.admin.apiKeys.verify(key)).code, 'DISABLED')
      await l.server.kw.services.usage.flush()
      const { days } = await l.admin.apiKeys.usage(api_key.id, { days: 7 })
      assert.equal(days.length, 7)
      assert.deepEqual(days[6], {
        date: new Date().toISOString().slice(0, 10),
        valid: 2,
        refused: 1,
        by_code: { DISABLED: 1 },
      })
      assert.equal((await l.admin.apiKeys.usage(api_key.id)).days.length, 30)
      const m = await member(l, `usage-sdk-${kind}`)
      await assert.rejects(m.client.apiKeys.usage(api_key.id), { code: 'not_found', status: 404 })
    })

    test('revoke with minted: true ends the keys a key made; created_by_key_id and its filter name them', async () => {
      const { key: rootKey, api_key: root } = await l.admin.apiKeys.create({ name: 'lineage-root' })
      const made = await createClient({ url: l.url, token: rootKey }).apiKeys.create({
        name: 'lineage-made',
        scopes: ['orders:read'],
      })
      assert.equal(made.api_key.created_by_key_id, root.id)
      const page = await l.admin.apiKeys.list({ created_by_key_id: root.id })
      assert.deepEqual(
        page.api_keys.map((k) => k.id),
        [made.api_key.id],
      )
      const revoked = await l.admin.apiKeys.revoke(root.id, { minted: true })
      assert.equal(revoked.minted_revoked, 1)
      assert.equal((await l.admin.apiKeys.verify(made.key)).code, 'REVOKED')
    })

    test('restrictions: set on create, shown, enforced by verify with context, replaced by update', async () => {
      const restrictions = { ip_allow: ['10.0.0.0/8'], origin_allow: ['*.example.com'] }
      const { key, api_key } = await l.admin.apiKeys.create({ name: 'restricted-sdk', restrictions })
      assert.deepEqual(api_key.restrictions, restrictions)
      assert.equal((await l.admin.apiKeys.verify(key)).code, 'FORBIDDEN_CONTEXT')
      const context = { ip: '10.0.0.9', origin: 'https://app.example.com' }
      assert.equal((await l.admin.apiKeys.verify(key, { context })).code, 'VALID')
      const updated = await l.admin.apiKeys.update(api_key.id, { restrictions: { ip_allow: ['192.168.0.0/16'] } })
      assert.deepEqual(updated.restrictions, { ip_allow: ['192.168.0.0/16'] })
      assert.equal((await l.admin.apiKeys.verify(key, { context })).code, 'FORBIDDEN_CONTEXT')
      await assert.rejects(l.admin.apiKeys.update(api_key.id, { restrictions: { ip_allow: ['nope'] } }), {
        code: 'validation_failed',
        status: 400,
      })
    })

    test('the whole lifecycle: update, expire, disable, enable, roll, revoke, delete, each seen by verify', async () => {
      const { key, api_key } = await l.admin.apiKeys.create({ name: 'lifecycle', scopes: ['read:users'] })
      const id = api_key.id
      assert.equal((await l.admin.apiKeys.verify(key, { scopes: ['read:users'] })).code, 'VALID')
      assert.equal((await l.admin.apiKeys.verify(key, { scopes: ['write:users'] })).code, 'INSUFFICIENT_SCOPES')

      const renamed = await l.admin.apiKeys.update(id, {
        name: 'lifecycle-2',
        rate_limit_per_minute: 5,
        meta: { a: 1 },
      })
      assert.equal(renamed.name, 'lifecycle-2')
      assert.deepEqual(renamed.rate_limit, { limit: 5, window_s: 60 })
      assert.equal((await l.admin.apiKeys.update(id, { rate_limit_per_minute: null })).rate_limit, null)

      assert.equal((await l.admin.apiKeys.update(id, { expires_at: '2000-01-01T00:00:00Z' })).status, 'expired')
      assert.equal((await l.admin.apiKeys.verify(key)).code, 'EXPIRED')
      assert.equal((await l.admin.apiKeys.update(id, { expires_at: null })).status, 'active')

      assert.equal((await l.admin.apiKeys.disable(id)).status, 'disabled')
      assert.equal((await l.admin.apiKeys.verify(key)).code, 'DISABLED')
      assert.equal((await l.admin.apiKeys.enable(id)).status, 'active')
      assert.equal((await l.admin.apiKeys.verify(key)).valid, true)

      const rolled = await l.admin.apiKeys.roll(id, { grace_period_s: 3600 })
      assert.notEqual(rolled.key, key)
      assert.equal(rolled.api_key.id, id)
      assert.equal((await l.admin.apiKeys.verify(rolled.key)).code, 'VALID')
      assert.equal((await l.admin.apiKeys.verify(key)).code, 'VALID', 'the old secret works during the grace period')
      const rolledNow = await l.admin.apiKeys.roll(id)
      assert.equal(
        (await l.admin.apiKeys.verify(rolled.key)).code,
        'NOT_FOUND',
        'no grace period: the previous secret stops at once',
      )

      const revoked = await l.admin.apiKeys.revoke(id, { reason: 'rotated' })
      assert.equal(revoked.status, 'revoked')
      assert.equal(revoked.revoked_reason, 'rotated')
      assert.equal((await l.admin.apiKeys.verify(rolledNow.key)).code, 'REVOKED')

      await l.admin.apiKeys.delete(id)
      await assert.rejects(l.admin.apiKeys.get(id), {
        name: 'KeywardError',
        code: 'not_found',
        status: 404,
        requestId: /^[0-9a-f-]{36}$/,
      })
      assert.equal((await l.admin.apiKeys.verify(rolledNow.key)).code, 'NOT_FOUND')
      assert.equal((await l.admin.apiKeys.verify('not-a-key')).code, 'MALFORMED')
    })

    test('server errors keep their code, status, message and details', async () => {
      await l.admin.apiKeys.create({ name: 'dup' })
      await assert.rejects(l.admin.apiKeys.create({ name: 'dup' }), {
        name: 'KeywardError',
        code: 'conflict',
        status: 409,
      })
      const e = await l.admin.apiKeys.create({ name: '' }).catch((x: unknown) => x)
      assert.ok(e instanceof KeywardError)
      assert.equal(e.code, 'validation_failed')
      assert.equal(e.status, 400)
      assert.equal(e.message, 'Name cannot be empty')
      assert.ok(Array.isArray(e.details), 'validation details name the failing fields')
      await assert.rejects(l.admin.apiKeys.get('abc'), { code: 'validation_failed', status: 400 })
      await assert.rejects(createClient({ url: l.url }).apiKeys.list(), { code: 'unauthorized', status: 401 })
    })

    test('an unreachable server is a KeywardError with code network_error and status 0', async () => {
      // A port that was free a moment ago: take one from a server and close it.
      const probe = await listening(kind)
      const deadUrl = probe.url
      await probe.close()
      const e = await createClient({ url: deadUrl, token: 'x' })
        .apiKeys.list()
        .catch((x: unknown) => x)
      assert.ok(e instanceof KeywardError)
      assert.equal(e.code, 'network_error')
      assert.equal(e.status, 0)
      assert.match(e.message, /cannot reach Keyward/)
    })

    test('an API key works as the client credential, narrowed by its scopes', async () => {
      const { key } = await l.admin.apiKeys.create({ name: 'reader', scopes: ['keys:read'] })
      const kw = createClient({ url: l.url, token: key })
      const me = await kw.auth.whoami()
      assert.equal(me.via, 'key')
      assert.deepEqual(me.scopes, ['keys:read'])
      assert.ok((await kw.apiKeys.list()).total > 0)
      await assert.rejects(kw.apiKeys.create({ name: 'escalate' }), { code: 'forbidden', status: 403 })
    })

    test("a member cannot see the admin's keys: they answer not_found, like missing ones", async () => {
      const { api_key } = await l.admin.apiKeys.create({ name: 'admin-only' })
      const m = await member(l, `m-${kind}`)
      await assert.rejects(m.client.apiKeys.get(api_key.id), { code: 'not_found', status: 404 })
      await assert.rejects(m.client.apiKeys.revoke(api_key.id), { code: 'not_found', status: 404 })
      assert.equal((await m.client.apiKeys.list()).total, 0)
      await assert.rejects(m.client.users.create({ email: 'x@example.com', password: 'password-123' }), {
        code: 'forbidden',
        status: 403,
      })
    })

    test('users, applications, devices and audit: create, list, get', async () => {
      const u = await l.admin.users.create({
        email: `u-${kind}@example.com`,
        password: 'password-123',
        username: `u-${kind}`,
        role: 'member',
      })
      assert.equal(u.role, 'member')
      assert.deepEqual(await l.admin.users.get(u.id), u)
      assert.ok((await l.admin.users.list()).users.some((x) => x.id === u.id))
      const everyone: number[] = []
      for await (const x of l.admin.users.iterate({ limit: 1 })) everyone.push(x.id)
      assert.ok(everyone.includes(u.id) && everyone.length >= 2)

      const app = await l.admin.applications.create({ name: `fleet-${kind}` })
      assert.match(app.slug, /fleet-/)
      assert.deepEqual(await l.admin.applications.get(app.id), app)
      assert.ok((await l.admin.applications.list()).applications.some((a) => a.id === app.id))

      const dev = await l.admin.devices.create({ application_id: app.id, name: 'pi' })
      assert.equal(dev.application_id, app.id)
      assert.deepEqual(await l.admin.devices.get(dev.id), dev)
      assert.deepEqual(
        (await l.admin.devices.list({ application_id: app.id })).devices.map((d) => d.id),
        [dev.id],
      )

      const events = (await l.admin.audit.list({ limit: 500 })).events
      assert.ok(events.length > 0)
      assert.ok(events.every((e) => typeof e.action === 'string' && typeof e.at === 'string'))
      const all = await l.admin.audit.all({ limit: 2 })
      assert.deepEqual(
        all.map((e) => e.id),
        events.map((e) => e.id),
        'paging with before_id yields the same events',
      )
    })

    test('applications: rename (the slug follows; a taken name is a conflict) and delete (devices and keys too); devices: delete', async () => {
      const app = await l.admin.applications.create({ name: `old-${kind}` })
      const dev = await l.admin.devices.create({ application_id: app.id })
      const key = await l.admin.apiKeys.create({ name: 'dev', owner: { kind: 'device', id: dev.id } })
      const gone = await l.admin.devices.create({ application_id: app.id })
      const goneKey = await l.admin.apiKeys.create({ name: 'gone', owner: { kind: 'device', id: gone.id } })
      await l.admin.devices.delete(gone.id)
      await assert.rejects(l.admin.devices.get(gone.id), { code: 'not_found', status: 404 })
      assert.equal((await l.admin.apiKeys.verify(goneKey.key)).code, 'NOT_FOUND')
      assert.equal((await l.admin.apiKeys.verify(key.key)).valid, true, 'its sibling stays')
      const renamed = await l.admin.applications.rename(app.id, `New-${kind}`)
      assert.equal(renamed.slug, app.slug.replace(`old-${kind}`, `new-${kind}`))
      await l.admin.applications.create({ name: `taken-${kind}` })
      await assert.rejects(l.admin.applications.rename(app.id, `TAKEN-${kind}`), { code: 'conflict', status: 409 })
      await l.admin.applications.delete(app.id)
      await assert.rejects(l.admin.applications.get(app.id), { code: 'not_found', status: 404 })
      await assert.rejects(l.admin.devices.get(dev.id), { code: 'not_found', status: 404 })
      assert.equal((await l.admin.apiKeys.verify(key.key)).code, 'NOT_FOUND')
    })
  })
}
