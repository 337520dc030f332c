import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STORES, TestServer } from '../helpers.js'

const foreign = () => `uk_${randomBytes(24).toString('base64url')}`
const BUDGET = 3

for (const store of STORES) {
  describe(`zz attack budgets (${store})`, () => {
    let s: TestServer
    let admin: string
    let victim: { id: number; token: string }
    let attacker: { id: number; token: string }
    const imp = (token: string, keys: unknown[]) => s.request('POST', '/v1/keys/import', { token, body: { keys } })
    let held: string
    before(async () => {
      s = await TestServer.start(store, { env: { KEYWARD_IMPORT_REFUSALS_PER_HOUR: String(BUDGET) } })
      admin = await s.adminToken()
      victim = await s.member(`victim${randomBytes(3).toString('hex')}`, admin)
      attacker = await s.member(`attacker${randomBytes(3).toString('hex')}`, admin)
      held = foreign()
      assert.equal((await imp(victim.token, [{ plaintext: held }])).status, 200)
    })
    after(() => s.close())

    it('sybil budgets via applications / orgs / devices made by one user', async () => {
      const statuses: number[] = []
      for (let i = 0; i < BUDGET; i++) statuses.push((await imp(attacker.token, [{ plaintext: held }])).status)
      statuses.push((await imp(attacker.token, [{ plaintext: held }])).status)
      console.log('session statuses', statuses)
      // a user key shares the session's budget
      const uk = await s.createKey(attacker.token, { scopes: ['keys:write'] })
      console.log('user key after spent', (await imp(uk.key, [{ plaintext: held }])).status)
      // organization
      const org = await s.request('POST', '/v1/organizations', {
        token: attacker.token,
        body: { name: 'o', handle: `o${randomBytes(3).toString('hex')}` },
      })
      console.log('org create', org.status, org.text.slice(0, 200))
      const orgKey = await s.createKey(attacker.token, {
        owner: { kind: 'organization', id: org.body.id },
        scopes: ['keys:write'],
      })
      const orgRes: number[] = []
      for (let i = 0; i < BUDGET + 1; i++) orgRes.push((await imp(orgKey.key, [{ plaintext: held }])).status)
      console.log('org key statuses', orgRes)
      // applications
      let appRefusals = 0
      for (let a = 0; a < 5; a++) {
        const app = await s.request('POST', '/v1/applications', {
          token: attacker.token,
          body: { name: `a${randomBytes(3).toString('hex')}` },
        })
        if (app.status !== 201 && app.status !== 200) {
          console.log('app create', app.status, app.text)
          break
        }
        const k = await s.createKey(attacker.token, { owner: { kind: 'application', id: app.body.id }, scopes: ['keys:write'] })
        for (let i = 0; i < BUDGET + 1; i++) {
          const r = await imp(k.key, [{ plaintext: held }])
          if (r.status === 409) appRefusals++
        }
        // device of this application
        const dev = await s.request('POST', '/v1/devices', { token: attacker.token, body: { application_id: app.body.id } })
        if (dev.status === 201 || dev.status === 200) {
          const dk = await s.createKey(attacker.token, { owner: { kind: 'device', id: dev.body.id }, scopes: ['keys:write'] })
          for (let i = 0; i < BUDGET + 1; i++) {
            const r = await imp(dk.key, [{ plaintext: held }])
            if (r.status === 409) appRefusals++
            else if (i === 0) console.log('device import', r.status, r.text.slice(0, 200))
          }
        } else console.log('device create', dev.status, dev.text.slice(0, 200))
      }
      console.log('409 discoveries through 5 apps + devices, one user:', appRefusals, 'budget', BUDGET)
    })

    it('concurrent successful imports are throttled with no refusal spent', async () => {
      const fresh = await s.member(`fresh${randomBytes(3).toString('hex')}`, admin)
      const rs = await Promise.all(Array.from({ length: 12 }, () => imp(fresh.token, [{ plaintext: foreign() }])))
      const counts: Record<number, number> = {}
      for (const r of rs) counts[r.status] = (counts[r.status] ?? 0) + 1
      console.log('12 concurrent legit imports, 0 refusals spent:', counts)
    })

    it('one org member spends the org budget for every org key', async () => {
      const org = await s.request('POST', '/v1/organizations', {
        token: admin,
        body: { name: 'shared', handle: `s${randomBytes(3).toString('hex')}` },
      })
      const mname = `mal${randomBytes(3).toString('hex')}`
      const mallory = await s.member(mname, admin)
      const inv = await s.request('POST', `/v1/organizations/${org.body.id}/invitations`, {
        token: admin,
        body: { email: `${mname}@example.com`, role: 'member' },
      })
      const acc = await s.request('POST', '/v1/invitations/accept', { token: mallory.token, body: { token: inv.body.token } })
      console.log('invite/accept', inv.status, acc.status)
      const adminOrgKey = await s.createKey(admin, { owner: { kind: 'organization', id: org.body.id }, scopes: ['keys:write'] })
      const malloryTok = await s.login(`${mname}@example.com`, `${mname}-password-1`)
      const malKey = await s.createKey(malloryTok, { owner: { kind: 'organization', id: org.body.id }, scopes: ['keys:write'] }).catch((e) => { console.log(String(e)); return null })
      if (!malKey) return
      // mallory re-imports her own key's secret under another external id: refused, spends the org's budget
      const own = await s.createKey(malKey.key, { scopes: [] }).catch(() => null)
      const secret = own?.key ?? held
      const st: number[] = []
      for (let i = 0; i < BUDGET + 1; i++) st.push((await imp(malKey.key, [{ plaintext: secret, external_id: `x${i}` }])).status)
      console.log('mallory statuses', st)
      const legit = await imp(adminOrgKey.key, [{ plaintext: foreign() }])
      console.log('org admin legit import via org key after:', legit.status, legit.body?.error?.code)
    })
  })
}
