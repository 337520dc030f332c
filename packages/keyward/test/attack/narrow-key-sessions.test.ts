import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { serverForSuite } from '../helpers.js'

/**
 * A user's sign-ins are the account itself: a key narrowed to the caller's own API scopes has no
 * rights on Keyward's, so it must not list where its user signs in from (IP, user agent), end
 * their sessions, or change their password. It did all three (an attacker's find).
 */
describe('a narrow key and its user’s sessions', () => {
  const t = serverForSuite('sqlite')

  it('is refused 403 on listing and ending sessions and on a password change; the session lives on', async () => {
    const mia = await t.s.member('mia', t.admin)
    const narrow = await t.s.createKey(mia.token, { scopes: ['invoices:read', 'keys:read'] })
    const list = await t.s.request('GET', '/v1/auth/sessions', { token: narrow.key })
    assert.equal(list.status, 403, list.text)
    assert.equal(list.body.error.code, 'forbidden')
    const mine = await t.s.request('GET', '/v1/auth/sessions', { token: mia.token })
    const sid = mine.body.sessions[0].id as number
    const end = await t.s.request('DELETE', `/v1/auth/sessions/${sid}`, { token: narrow.key })
    assert.equal(end.status, 403, end.text)
    const pw = await t.s.request('POST', '/v1/auth/password', {
      token: narrow.key,
      body: { current_password: 'mia-password-1', new_password: 'another-password-2' },
    })
    assert.equal(pw.status, 403, pw.text)
    assert.equal((await t.s.request('GET', '/v1/auth/whoami', { token: mia.token })).status, 200)
    await t.s.login('mia@example.com', 'mia-password-1')
  })

  it('a key with the user’s full rights (no scopes) still may', async () => {
    const max = await t.s.member('max', t.admin)
    const full = await t.s.createKey(max.token)
    const list = await t.s.request('GET', '/v1/auth/sessions', { token: full.key })
    assert.equal(list.status, 200, list.text)
    const sid = list.body.sessions[0].id as number
    assert.equal((await t.s.request('DELETE', `/v1/auth/sessions/${sid}`, { token: full.key })).status, 204)
    assert.equal((await t.s.request('GET', '/v1/auth/whoami', { token: max.token })).status, 401)
  })
})
