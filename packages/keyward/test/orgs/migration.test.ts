import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../../src/config.js'
import { createKeyward } from '../../src/server.js'
import { ADMIN, STORES, freshDatabase } from '../helpers.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const pkg = join(here, '..', '..')
/**
 * The main this migration was written against (issue 14's branch point), pinned: `main` itself
 * moves on (it gains later migrations, and 0011 once merged), which would test something else.
 */
const BASE = 'd8b290e1823529a71daae7ff2530914464cc8963'

/** Extracts main's server sources next to ours (so they resolve our node_modules); null when git cannot. */
function snapshotOfMain(): string | null {
  try {
    execFileSync('git', ['rev-parse', '--verify', BASE], { cwd: pkg, stdio: 'ignore' })
  } catch {
    return null
  }
  const dir = mkdtempSync(join(pkg, '.main-snapshot-'))
  const tar = execFileSync('git', ['archive', BASE, 'src'], { cwd: pkg })
  execFileSync('tar', ['-x', '-C', dir], { input: tar })
  copyFileSync(join(here, 'main-fill.mjs'), join(dir, 'main-fill.mjs'))
  return dir
}

const snapshot = snapshotOfMain()
const SKIP = snapshot ? false : `git has no commit ${BASE} here, so no database filled by that main can be made`

after(() => snapshot && rmSync(snapshot, { recursive: true, force: true }))

for (const store of STORES) {
  describe(`migration 0011 on a database filled by today's main (${store})`, { skip: SKIP }, () => {
    it('gives every user a personal organization they own, moves each fleet into it, and changes nobody’s view', async () => {
      const db = await freshDatabase(store)
      const fill = spawnSync(
        process.execPath,
        ['--conditions=keyward-source', '--import', 'tsx', join(snapshot!, 'main-fill.mjs'), db.url],
        { cwd: pkg, encoding: 'utf8', timeout: 120_000 },
      )
      assert.equal(fill.status, 0, fill.stderr)
      const made = JSON.parse(fill.stdout) as {
        users: { id: number; username: string; appId: number; keys: Record<string, string>; keyIds: number[] }[]
      }
      const kw = await createKeyward(
        loadConfig({ KEYWARD_DATABASE_URL: db.url, KEYWARD_LOG_LEVEL: 'silent', KEYWARD_PASSWORD_SCRYPT_N: '16384' }),
        { logger: false },
      )
      try {
        const req = async (method: string, url: string, token: string) => {
          const r = await kw.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` } })
          return { status: r.statusCode, body: JSON.parse(r.body || 'null') }
        }
        const orgs = await kw.services.store.db.selectFrom('organization').selectAll().execute()
        assert.equal(orgs.length, 3, 'admin, ann and ben each have one')
        for (const u of made.users) {
          const org = orgs.find((o) => o.personal_user_id === u.id)!
          assert.equal(org.handle, u.username)
          const app = await kw.services.store.db
            .selectFrom('application')
            .select('organization_id')
            .where('id', '=', u.appId)
            .executeTakeFirstOrThrow()
          assert.equal(app.organization_id, org.id, "the fleet moved into its owner's personal organization")
          const token = u.keys.own!
          const me = await req('GET', '/v1/organizations', token)
          assert.deepEqual(
            me.body.organizations.map((o: { handle: string; personal: boolean }) => [o.handle, o.personal]),
            [[u.username, true]],
          )
          const keys = await req('GET', '/v1/keys?limit=100', token)
          assert.deepEqual(keys.body.api_keys.map((k: { id: number }) => k.id).sort(), [...u.keyIds].sort())
          const members = await req('GET', `/v1/organizations/${org.id}/members`, token)
          assert.deepEqual(
            members.body.members.map((m: { user_id: number; role: string }) => [m.user_id, m.role]),
            [[u.id, 'owner']],
          )
          for (const key of Object.values(u.keys)) {
            const v = await kw.services.verifier.verify(key)
            assert.equal(v.valid, true, 'keys made on main still verify')
          }
        }
        const [ann, ben] = made.users
        assert.equal((await req('GET', `/v1/applications/${ben!.appId}`, ann!.keys.own!)).status, 404)
        const adminToken = await kw.services.auth.login(ADMIN.email, ADMIN.password, null)
        assert.equal((await req('GET', '/v1/keys?limit=100', adminToken.token)).body.api_keys.length, 6)
        // A user signing up after the migration gets a personal organization too.
        const created = await kw.services.users.insert({ email: 'cy@example.com', password: 'cy-password-1' })
        assert.ok(
          await kw.services.store.db
            .selectFrom('organization')
            .select('id')
            .where('personal_user_id', '=', created.id)
            .executeTakeFirst(),
        )
      } finally {
        await kw.close()
        await db.drop()
      }
    })
  })
}
