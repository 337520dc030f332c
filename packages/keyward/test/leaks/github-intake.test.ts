import assert from 'node:assert/strict'
import { createHash, sign, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateKey } from '../../src/core/key-format.js'
import { STORES, TestServer } from '../helpers.js'
import { githubHeaders, githubKey } from './github-key.js'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

for (const store of STORES) {
  describe(`GitHub secret-scanning intake (${store})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-gh-'))
    const keysFile = join(dir, 'secret_scanning.json')
    const current = githubKey('current-id')
    const retired = githubKey('retired-id', false)
    const stranger = githubKey('current-id') // same identifier, someone else's key
    let s: TestServer
    let admin: string

    /** Sends `matches` signed by `key` under identifier `id` (GitHub's headers), as raw bytes. */
    const report = (matches: unknown, key: KeyObject | null = current.privateKey, id = 'current-id') => {
      const body = JSON.stringify(matches)
      return s.request('POST', '/v1/leaks/github', { body, headers: githubHeaders(body, key, id) })
    }

    before(async () => {
      writeFileSync(keysFile, JSON.stringify({ public_keys: [current.entry, retired.entry] }))
      s = await TestServer.start(store, { env: { KEYWARD_GITHUB_SCANNING_KEYS_FILE: keysFile } })
      admin = await s.adminToken()
    })
    after(() => s.close())

    it('revokes a leaked live key, records where it leaked, and labels ours true_positive, others false_positive', async () => {
      const k = await s.createKey(admin, { name: 'pushed-to-github' })
      const foreign = generateKey('kw') // well-formed, never issued
      const url = 'https://github.com/octo/repo/blob/abc/.env'
      const r = await report([
        { token: k.key, type: 'keyward_api_key', url, source: 'content' },
        { token: foreign, type: 'keyward_api_key', url, source: 'content' },
        { token: 'ghp_notours', type: 'github_pat', url },
      ])
      assert.equal(r.status, 200, r.text)
      assert.deepEqual(r.body, [
        { token_hash: sha256(k.key), token_type: 'keyward_api_key', label: 'true_positive' },
        { token_hash: sha256(foreign), token_type: 'keyward_api_key', label: 'false_positive' },
        { token_hash: sha256('ghp_notours'), token_type: 'github_pat', label: 'false_positive' },
      ])
      assert.equal((await s.verify(admin, k.key)).code, 'REVOKED')
      const events = (await s.request('GET', `/v1/audit?target_id=${k.id}&action=key.leaked`, { token: admin })).body
        .events
      assert.equal(events.length, 1)
      assert.deepEqual(events[0].details, { via: 'github', action: 'revoke', url, source: 'content' })
      assert.equal(events[0].actor_id, null, 'done by the system, not by a caller')
      assert.ok(!JSON.stringify(events).includes(k.key), 'the secret is never recorded')
      // Reported again (GitHub retries): still ours, nothing more to do.
      const again = await report([{ token: k.key, type: 'keyward_api_key' }])
      assert.equal(again.body[0].label, 'true_positive')
    })

    it("a replayed report acts once: the key its owner re-enabled stays enabled; the secret seen elsewhere acts again (an attacker's find)", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kw-gh-'))
      writeFileSync(join(dir, 'k.json'), JSON.stringify({ public_keys: [current.entry] }))
      const s = await TestServer.start(store, {
        env: { KEYWARD_GITHUB_SCANNING_KEYS_FILE: join(dir, 'k.json'), KEYWARD_LEAK_ACTION: 'disable' },
      })
      try {
        const admin = await s.adminToken()
        const k = await s.createKey(admin)
        const send = (body: string) =>
          s.request('POST', '/v1/leaks/github', {
            body,
            headers: githubHeaders(body, current.privateKey, 'current-id'),
          })
        const leakAt = (url: string) => JSON.stringify([{ token: k.key, type: 'keyward_api_key', url }])
        const captured = leakAt('https://github.com/octo/repo/blob/1/.env')
        assert.equal((await send(captured)).body[0].label, 'true_positive')
        assert.equal((await s.verify(admin, k.key)).code, 'DISABLED')
        assert.equal((await s.request('POST', `/v1/keys/${k.id}/enable`, { token: admin })).status, 200)
        // Someone who captured GitHub's signed request sends it again, byte for byte.
        const replay = await send(captured)
        assert.equal(replay.status, 200, replay.text)
        assert.equal(replay.body[0].label, 'true_positive', 'still ours')
        assert.equal((await s.verify(admin, k.key)).code, 'VALID', 'the replay disabled the key its owner re-enabled')
        const leaked = async () =>
          (await s.request('GET', `/v1/audit?target_id=${k.id}&action=key.leaked`, { token: admin })).body.events
        assert.equal((await leaked()).length, 1, 'one leak, one entry')
        // The same secret found somewhere new is news: it acts again.
        assert.equal((await send(leakAt('https://github.com/octo/other/blob/2/.env'))).body[0].label, 'true_positive')
        assert.equal((await s.verify(admin, k.key)).code, 'DISABLED')
        assert.equal((await leaked()).length, 2)
      } finally {
        await s.close()
      }
    })

    it('accepts a signature by a retired key still listed, and re-reads the keys file when it changes', async () => {
      const k = await s.createKey(admin)
      assert.equal((await report([{ token: k.key, type: 't' }], retired.privateKey, 'retired-id')).status, 200)
      const rotated = githubKey('rotated-id')
      writeFileSync(keysFile, JSON.stringify({ public_keys: [rotated.entry] }))
      const k2 = await s.createKey(admin)
      assert.equal(
        (await report([{ token: k2.key, type: 't' }], current.privateKey)).status,
        401,
        'a key dropped from the file no longer signs',
      )
      assert.equal((await report([{ token: k2.key, type: 't' }], rotated.privateKey, 'rotated-id')).status, 200)
      assert.equal((await s.verify(admin, k2.key)).code, 'REVOKED')
      writeFileSync(keysFile, JSON.stringify({ public_keys: [current.entry, retired.entry] }))
    })

    it('refuses a missing, wrong or forged signature, or an unknown key identifier, with 401 and changes nothing', async () => {
      const k = await s.createKey(admin)
      const matches = [{ token: k.key, type: 't' }]
      for (const [what, r] of [
        ['no signature', await report(matches, null)],
        ['another key under a known identifier', await report(matches, stranger.privateKey)],
        ['unknown identifier', await report(matches, current.privateKey, 'nope')],
        [
          'garbage signature',
          await s.request('POST', '/v1/leaks/github', {
            body: JSON.stringify(matches),
            headers: {
              'github-public-key-identifier': 'current-id',
              'github-public-key-signature': 'AAAA',
              'content-type': 'application/json',
            },
          }),
        ],
      ] as const) {
        assert.equal(r.status, 401, what)
        assert.equal(r.body.error.code, 'unauthorized', what)
      }
      // A valid signature over other bytes: re-serialised JSON does not verify.
      const body = JSON.stringify(matches)
      const sig = sign('sha256', Buffer.from(body), current.privateKey).toString('base64')
      const spaced = await s.request('POST', '/v1/leaks/github', {
        body: JSON.stringify(matches, null, 1),
        headers: {
          'content-type': 'application/json',
          'github-public-key-identifier': 'current-id',
          'github-public-key-signature': sig,
        },
      })
      assert.equal(spaced.status, 401, 'the signature covers the raw bytes')
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
    })

    it('keeps the last good keys while the file is rewritten or missing; without any, 503 — never 500', async () => {
      // An operator's cron rewrites the file in place: for a moment it is cut short, or gone. Found
      // by an attacker: every report in that moment answered 500, and so did a file with one entry
      // that is no key at all, even beside a good one.
      const k = await s.createKey(admin)
      const good = JSON.stringify({ public_keys: [current.entry, retired.entry] })
      const broken = [
        '{"public_keys": [',
        JSON.stringify({ public_keys: [{ key_identifier: 'junk', key: 'not a PEM' }, current.entry] }),
        JSON.stringify({ public_keys: [] }), // written whole, yet no key: mid-rewrite, not a rotation to none
      ]
      for (const text of [...broken, null]) {
        if (text === null) rmSync(keysFile)
        else writeFileSync(keysFile, text)
        const r = await report([{ token: 'ghp_x', type: 't' }])
        assert.equal(r.status, 200, `${text ?? 'file removed'}: ${r.text}`)
      }
      writeFileSync(keysFile, good)
      // A fresh node that never read a good file: 503 (GitHub retries), not 500 and not 401.
      const fresh = await TestServer.start(store, {
        env: { KEYWARD_GITHUB_SCANNING_KEYS_FILE: join(dir, 'absent.json') },
      })
      try {
        const body = JSON.stringify([{ token: k.key, type: 'keyward_api_key' }])
        const r = await fresh.request('POST', '/v1/leaks/github', {
          body,
          headers: githubHeaders(body, current.privateKey, 'current-id'),
        })
        assert.equal(r.status, 503, r.text)
        assert.equal(r.body.error.code, 'unavailable')
        assert.match(r.body.error.message, /signing keys/)
        assert.doesNotMatch(r.body.error.message, /absent\.json/, 'the server path is not the caller’s')
      } finally {
        await fresh.close()
      }
      assert.equal((await s.verify(admin, k.key)).code, 'VALID')
    })

    it("answers 400 for a signed body that is not GitHub's array, never 500", async () => {
      for (const bad of [{ token: 'x' }, [{ type: 't' }], [{ token: 1, type: 't' }], 'text']) {
        const r = await report(bad)
        assert.equal(r.status, 400, JSON.stringify(bad))
      }
    })

    it('ends only the grace period when the leaked secret is the one replaced by a roll', async () => {
      const k = await s.createKey(admin)
      const rolled = (
        await s.request('POST', `/v1/keys/${k.id}/roll`, { token: admin, body: { grace_period_s: 3600 } })
      ).body.key as string
      assert.equal((await s.verify(admin, k.key)).code, 'VALID', 'old secret in its grace period')
      assert.equal((await report([{ token: k.key, type: 't' }])).body[0].label, 'true_positive')
      assert.equal((await s.verify(admin, k.key)).code, 'NOT_FOUND', 'the leaked old secret stops')
      assert.equal((await s.verify(admin, rolled)).code, 'VALID', 'the new secret was not leaked')
    })
  })

  describe(`leak actions and a disabled intake (${store})`, () => {
    it('is 404 until the keys file is configured', async () => {
      const s = await TestServer.start(store)
      try {
        const r = await s.request('POST', '/v1/leaks/github', {
          body: '[]',
          headers: { 'content-type': 'application/json' },
        })
        assert.equal(r.status, 404)
      } finally {
        await s.close()
      }
    })

    for (const [action, code] of [
      ['disable', 'DISABLED'],
      ['notify', 'VALID'],
    ] as const) {
      it(`KEYWARD_LEAK_ACTION=${action} leaves the key ${code}`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'kw-gh-'))
        const gh = githubKey('id')
        writeFileSync(join(dir, 'k.json'), JSON.stringify({ public_keys: [gh.entry] }))
        const s = await TestServer.start(store, {
          env: { KEYWARD_GITHUB_SCANNING_KEYS_FILE: join(dir, 'k.json'), KEYWARD_LEAK_ACTION: action },
        })
        try {
          const admin = await s.adminToken()
          const k = await s.createKey(admin)
          const body = JSON.stringify([{ token: k.key, type: 't', url: 'https://example.com/x' }])
          const signature = sign('sha256', Buffer.from(body), gh.privateKey).toString('base64')
          const r = await s.request('POST', '/v1/leaks/github', {
            body,
            headers: {
              'content-type': 'application/json',
              'github-public-key-identifier': 'id',
              'github-public-key-signature': signature,
            },
          })
          assert.equal(r.body[0].label, 'true_positive')
          assert.equal((await s.verify(admin, k.key)).code, code)
          const ev = (await s.request('GET', `/v1/audit?action=key.leaked&target_id=${k.id}`, { token: admin })).body
            .events
          assert.equal(ev[0].details.action, action)
        } finally {
          await s.close()
        }
      })
    }
  })
}
