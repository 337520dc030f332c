import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import pg from 'pg'
import { STORES, type StoreKind, serverForSuite } from '../helpers.js'

/**
 * Attack ("revoke ends it", in a race): an acceptance checked the invitation's maker, then hashed
 * the new account's password (a few hundred ms at production cost), then committed the membership
 * without looking again; and it stored the new account before claiming the invitation. So the
 * maker removed, or the invitation revoked, inside that window still let the invitee in, or left
 * them an account on the instance (found by an attacker). The race is made deterministic here: the
 * test holds a write transaction of its own that removes the maker or revokes the invitation, starts
 * the acceptance, and commits 300 ms later. The acceptance must see the commit.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Runs `sql` in a write transaction on a connection of the test's own and commits it `ms` later;
 * resolves once the transaction holds its locks. SQLite's is held by a worker thread: the server's
 * connection waits for the write lock synchronously (its busy timeout), which would also stop a
 * timer of this thread from committing.
 */
async function heldWrite(kind: StoreKind, url: string, sql: string, ms: number): Promise<{ committed: Promise<void> }> {
  if (kind === 'sqlite') {
    const workerData = { module: createRequire(import.meta.url).resolve('better-sqlite3'), path: url.slice(7), sql, ms }
    const worker = new Worker(HOLD_SQLITE, { eval: true, workerData })
    const message = () => new Promise<void>((ok, fail) => worker.once('message', () => ok()).once('error', fail))
    await message() // held
    return { committed: message() }
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`begin; ${sql}`)
  return { committed: sleep(ms).then(async () => void (await client.query('commit'), await client.end())) }
}

const HOLD_SQLITE = `
const { workerData: w, parentPort } = require('node:worker_threads')
const db = new (require(w.module))(w.path)
db.exec('begin immediate; ' + w.sql)
parentPort.postMessage('held')
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, w.ms)
db.exec('commit')
db.close()
parentPort.postMessage('committed')
`

for (const store of STORES) {
  describe(`attack: an acceptance racing its maker's removal or its revocation (${store})`, () => {
    const suite = serverForSuite(store)

    /** An organization whose admin `maker` has invited a stranger; the invitation's token and id. */
    const invited = async (role: string) => {
      const { s, admin } = suite
      const t = randomBytes(3).toString('hex')
      const owner = await s.member(`own${t}`, admin)
      const maker = await s.member(`mk${t}`, admin)
      const org = await s.request('POST', '/v1/organizations', {
        token: owner.token,
        body: { name: t, handle: `r-${t}` },
      })
      const inviteBy = (token: string, email: string, as = role) =>
        s.request('POST', `/v1/organizations/${org.body.id}/invitations`, { token, body: { email, role: as } })
      const made = await inviteBy(owner.token, `mk${t}@example.com`, 'admin')
      const join = await s.request('POST', '/v1/invitations/accept', {
        token: maker.token,
        body: { token: made.body.token },
      })
      assert.equal(join.status, 200, join.text)
      const email = `stranger-${t}@example.com`
      const inv = await inviteBy(maker.token, email)
      assert.equal(inv.status, 201, inv.text)
      return { org: org.body.id as number, maker, email, token: inv.body.token as string, id: inv.body.invitation.id }
    }
    /** Starts the acceptance while `sql` is held, committed 300 ms later; the acceptance's answer. */
    const acceptDuring = async (sql: string, token: string) => {
      const held = await heldWrite(store, suite.s.config.databaseUrl, sql, 300)
      const r = await suite.s.request('POST', '/v1/invitations/accept', {
        body: { token, password: 'chosen-password-1' },
      })
      await held.committed
      return r
    }

    it('the maker removed while the acceptance runs: no membership', async () => {
      const { org, maker, token } = await invited('admin')
      const removal = `delete from organization_membership where organization_id = ${org} and user_id = ${maker.id}`
      const r = await acceptDuring(removal, token)
      const members = await suite.s.request('GET', `/v1/organizations/${org}/members`, { token: suite.admin })
      const emails = (members.body.members as { email: string }[]).map((m) => m.email)
      assert.equal(
        r.status,
        404,
        `FINDING: accepted (${r.status}) after the maker's removal committed: ${emails.join(', ')}`,
      )
      assert.equal(emails.length, 1, `only the owner is left: ${emails.join(', ')}`)
    })

    // PostgreSQL only: SQLite's transactions take its one write lock first, so no two hold row locks.
    if (store === 'postgres')
      it('a change to an admin racing an acceptance made by an admin: no deadlock, no 500', async () => {
        // Acceptance and site-admin change both lock user rows (the maker's and invitee's; every active
        // admin's): taken in two orders, an existing admin accepting a site admin's invitation while
        // that site admin was deactivated deadlocked on PostgreSQL, and one side got a 500 (found by an
        // attacker). Held here: the invitation's row, so the acceptance waits between its locks.
        const { s, admin } = suite
        const t = randomBytes(3).toString('hex')
        const owner = await s.member(`own${t}`, admin)
        const org = await s.request('POST', '/v1/organizations', {
          token: owner.token,
          body: { name: t, handle: `d-${t}` },
        })
        const [invitee, maker] = [await s.member(`zb${t}`, admin), await s.member(`za${t}`, admin)]
        for (const u of [invitee, maker])
          assert.equal(
            (await s.request('PATCH', `/v1/users/${u.id}`, { token: admin, body: { role: 'admin' } })).status,
            200,
          )
        const makerToken = await s.login(`za${t}@example.com`, `za${t}-password-1`)
        const inv = await s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
          token: makerToken,
          body: { email: `zb${t}@example.com`, role: 'member' },
        })
        assert.equal(inv.status, 201, inv.text)
        const hold = `select id from organization_invitation where id = ${inv.body.invitation.id} for update`
        const held = await heldWrite(store, s.config.databaseUrl, hold, 800)
        const token = await s.login(`zb${t}@example.com`, `zb${t}-password-1`)
        const accepting = s.request('POST', '/v1/invitations/accept', { token, body: { token: inv.body.token } })
        await sleep(300)
        const deactivating = s.request('POST', `/v1/users/${maker.id}/deactivate`, { token: admin })
        const [accepted, deactivated] = await Promise.all([accepting, deactivating])
        await held.committed
        assert.ok(accepted.status < 500 && deactivated.status < 500, `${accepted.text} / ${deactivated.text}`)
        assert.deepEqual([accepted.status, deactivated.status], [200, 200])
      })

    it('the invitation revoked while the acceptance runs: no account either', async () => {
      const { email, token, id } = await invited('member')
      const revocation = `update organization_invitation set revoked_at = '2026-01-01T00:00:00.000Z' where id = ${id}`
      const r = await acceptDuring(revocation, token)
      assert.equal(r.status, 404, r.text)
      const login = await suite.s.request('POST', '/v1/auth/login', { body: { email, password: 'chosen-password-1' } })
      assert.equal(login.status, 401, `FINDING: the invitation was revoked, yet ${email} has an account: ${login.text}`)
    })
  })
}
