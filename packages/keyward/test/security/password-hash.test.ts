import assert from 'node:assert/strict'
import { randomBytes, scryptSync } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { STORES, TestServer } from '../helpers.js'

/** A hash as Keyward stored it before the cost was raised (scrypt N=2^14). */
function oldHash(password: string): string {
  const salt = randomBytes(16)
  const key = scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 })
  return `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`
}

describe('KEYWARD_PASSWORD_SCRYPT_N', () => {
  it("defaults to OWASP's advice (2^17) and refuses weaker or malformed costs", () => {
    assert.equal(loadConfig({}).passwordScryptN, 131072)
    assert.equal(loadConfig({ KEYWARD_PASSWORD_SCRYPT_N: '262144' }).passwordScryptN, 262144)
    for (const bad of ['8192', '100000', 'abc', '2097152'])
      assert.throws(() => loadConfig({ KEYWARD_PASSWORD_SCRYPT_N: bad }), /KEYWARD_PASSWORD_SCRYPT_N/, bad)
  })
})

for (const kind of STORES) {
  // The production cost, on purpose: this suite checks what a real server stores.
  describe(`passwords are hashed at the configured cost and old hashes are upgraded at login (${kind})`, () => {
    let s: TestServer
    const storedHash = async (email: string) =>
      (
        await s.kw.services.store.db
          .selectFrom('user')
          .select('password_hash')
          .where('email', '=', email)
          .executeTakeFirstOrThrow()
      ).password_hash
    before(async () => {
      s = await TestServer.start(kind, { env: { KEYWARD_PASSWORD_SCRYPT_N: '131072' } })
    })
    after(() => s.close())

    it('a new user is stored with N=2^17, r=8, p=1 encoded in the hash', async () => {
      assert.match(await storedHash('admin@example.com'), /^scrypt\$131072\$8\$1\$/)
    })

    it('a user stored with the old parameters logs in and ends up with the new ones; the password still works, a wrong one does not upgrade', async () => {
      const admin = await s.adminToken()
      await s.member('legacy', admin)
      await s.kw.services.store.db
        .updateTable('user')
        .set({ password_hash: oldHash('legacy-password-1') })
        .where('email', '=', 'legacy@example.com')
        .execute()
      const wrong = await s.request('POST', '/v1/auth/login', {
        body: { email: 'legacy@example.com', password: 'nope' },
      })
      assert.equal(wrong.status, 401)
      assert.match(await storedHash('legacy@example.com'), /^scrypt\$16384\$/, 'a failed login changes nothing')
      await s.login('legacy@example.com', 'legacy-password-1')
      const upgraded = await storedHash('legacy@example.com')
      assert.match(upgraded, /^scrypt\$131072\$8\$1\$/)
      await s.login('legacy@example.com', 'legacy-password-1')
      assert.equal(await storedHash('legacy@example.com'), upgraded, 'a current hash is not rewritten at every login')
    })
  })
}
