import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ownedKeysChunk } from '../../src/store/owned-keys.js'
import { type KeywardVerifier, createVerifier } from '../../src/verifier/index.js'
import { STORES, TestServer } from '../helpers.js'
import { expectStatus } from '../orgs/fixture.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The repository method a deletion's steps go through (`ActorRepository.removeApplicationStep`). */
type Steps = { removeApplicationStep: (app: unknown, now: Date) => Promise<unknown> }

/**
 * helper-124: a deletion that stops midway, then is retried. Invariant: after the retry's 204 nothing verifies on any
 * node nor in an embedded verifier. "next-step": a step fails before it commits (an outage). "after-commit": a step
 * commits and fails before it evicts what it ended (a lost bus, a connection lost during COMMIT), the node staying
 * up: the retry no longer found those keys to evict, and they verified VALID from every cache for good. The
 * deletion now ends by evicting every key of the people the fleet's keys are cached under (`evictHolders`).
 * The failure is injected by wrapping the repository's step: no database trigger can fail after a commit.
 */
for (const store of STORES) {
  for (const when of ['next-step', 'after-commit'] as const) {
    describe(`interrupted application deletion (${store}, ${when})`, () => {
      let a: TestServer
      let b: TestServer
      let admin: string
      let emb: KeywardVerifier
      before(async () => {
        a = await TestServer.start(store)
        b = store === 'postgres' ? await TestServer.attach(a.config.databaseUrl) : a
        admin = await a.adminToken()
        emb = await createVerifier({ databaseUrl: a.config.databaseUrl })
      })
      after(async () => {
        await emb.close()
        if (b !== a) await b.kw.close()
        await a.close()
      })

      it('a retry leaves nothing verifying anywhere', async () => {
        const chunk = ownedKeysChunk(a.kw.services.store.dialect)
        const app = await a.request('POST', '/v1/applications', { token: admin, body: { name: 'int' } })
        const dev = await a.request('POST', '/v1/devices', { token: admin, body: { application_id: app.body.id } })
        const devKeys = Array.from({ length: chunk + 20 }, () => `ext_${randomBytes(24).toString('hex')}`)
        const imp = await a.request('POST', '/v1/keys/import', {
          token: admin,
          body: { keys: devKeys.map((plaintext) => ({ owner: { kind: 'device', id: dev.body.id }, plaintext })) },
        })
        expectStatus(imp, 200, 'import')
        const appKey = await a.createKey(admin, { owner: { kind: 'application', id: app.body.id } })
        const probes = [devKeys[0]!, devKeys[1]!, devKeys.at(-1)!, appKey.key]
        const check = async (label: string) => {
          const out: string[] = []
          for (const k of probes) {
            for (const [n, node] of [
              ['A', a],
              ['B', b],
            ] as const) {
              const v = await node.verify(admin, k)
              if (v.valid) out.push(`${label}: ${k.slice(0, 12)} VALID on ${n}`)
            }
            const e = await emb.verify(k)
            if (e.valid) out.push(`${label}: ${k.slice(0, 12)} VALID in the embedded verifier`)
          }
          return out
        }
        assert.deepEqual(await check('before (expected all valid)').then((x) => x.length), probes.length * 3)

        const actors = (a.kw.services.owners as unknown as { actors: Steps }).actors
        const orig = actors.removeApplicationStep
        let calls = 0
        actors.removeApplicationStep = async (appRow: unknown, now: Date) => {
          calls++
          if (when === 'next-step' && calls === 2) throw new Error('simulated outage before step 2')
          const r = await orig.call(actors, appRow, now)
          if (when === 'after-commit' && calls === 1) throw new Error('simulated failure after step 1 committed')
          return r
        }
        let first
        try {
          first = await a.request('DELETE', `/v1/applications/${app.body.id}`, { token: admin })
        } finally {
          actors.removeApplicationStep = orig
        }
        assert.equal(first.status, 500, first.text)
        await sleep(600) // buses and the embedded verifier's 250 ms poll

        const retry = await b.request('DELETE', `/v1/applications/${app.body.id}`, { token: admin })
        expectStatus(retry, 204, 'retry')
        await sleep(600)
        const left = await check('after the retry')
        const rows = await a.kw.services.store.db
          .selectFrom('api_key')
          .select('id')
          .where('actor_id', 'in', [dev.body.actor_id, app.body.actor_id])
          .execute()
        assert.deepEqual(rows, [], 'no key row left')
        assert.deepEqual(left, [], 'keys still verify VALID after the retry answered 204')
      })
    })
  }
}
