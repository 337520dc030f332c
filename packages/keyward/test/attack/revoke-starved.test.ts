import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { serverForSuite } from '../helpers.js'

const PUMPS = 8

/**
 * Attack ("revoke ends it", PostgreSQL): the holder of a leaked key mints with it from many connections at once.
 * Each create holds the key's row `for share` until it commits (the live-producer check), and PostgreSQL lets a
 * share lock overtake an UPDATE already waiting for the row: the row stayed share-locked, and the owner's revoke
 * waited out its lock budget and answered 503 while the keys kept coming (seen in `revoke-minted-race` under load,
 * 2 of 2 runs; here without load). A revoke now queues on an advisory lock every producer takes shared, which the
 * lock manager grants in turn: creates wait behind it, those in flight commit, then it writes.
 */
describe('attack: a key minting from many connections cannot starve its revoke (postgres)', () => {
  const suite = serverForSuite('postgres')

  it(`the revoke answers, and promptly, while ${PUMPS} connections create keys with the key`, async () => {
    const { s, admin } = suite
    const owner = await s.member('starver', admin)
    for (let trial = 0; trial < 3; trial++) {
      const leaked = await s.createKey(owner.token, { name: `starved-${trial}` })
      let stop = false
      const statuses: number[] = []
      const pump = async (p: number) => {
        for (let i = 0; !stop; i++) {
          const r = await s.request('POST', '/v1/keys', { token: leaked.key, body: { name: `m-${trial}-${p}-${i}` } })
          statuses.push(r.status)
        }
      }
      const pumps = Array.from({ length: PUMPS }, (_, p) => pump(p))
      await new Promise((r) => setTimeout(r, 300))
      const started = performance.now()
      const revoked = await s
        .request('POST', `/v1/keys/${leaked.id}/revoke`, { token: owner.token, body: { minted: true } })
        .finally(() => (stop = true))
      const tookMs = performance.now() - started
      await Promise.all(pumps)
      assert.equal(revoked.status, 200, `BROKEN: the revoke was starved (${Math.round(tookMs)} ms): ${revoked.text}`)
      assert.ok(tookMs < 3000, `the revoke waited ${Math.round(tookMs)} ms`)
      assert.ok(statuses.includes(201), 'keys were being made when the revoke came (else no race was run)')
      for (const status of statuses) assert.ok([201, 401].includes(status), `a create answered ${status}`)
      const left = await s.request('GET', `/v1/keys?created_by_key_id=${leaked.id}&status=active&limit=500`, {
        token: owner.token,
      })
      assert.equal(left.body.total, 0, 'nothing it made is live')
    }
  })

  it('nor do keys it made, rolling each other while the cascade revokes them, deadlock it', async () => {
    // A roll held its maker shared, then wanted the key it rolled exclusive; the cascade takes its chunk's keys
    // exclusive in id order: a child rolling the child just below it deadlocked with it (an attacker's find: the
    // revoke answered 503 in 2 to 4 of 5 rounds). A roll now takes both in id order too.
    const { s, admin } = suite
    const owner = await s.member('cascade-roller', admin)
    for (let round = 0; round < 3; round++) {
      const leaked = await s.createKey(owner.token, { name: `cr-${round}` })
      const children: Awaited<ReturnType<typeof s.createKey>>[] = []
      for (let i = 0; i < 20; i++) children.push(await s.createKey(leaked.key, { name: `cr-${round}-${i}` }))
      let stop = false
      const secrets = children.map((c) => c.key)
      const rollLower = async (i: number) => {
        while (!stop) {
          const r = await s.request('POST', `/v1/keys/${children[i - 1]!.id}/roll`, {
            token: secrets[i]!,
            body: { grace_period_s: 0 },
          })
          if (r.status === 200) secrets[i - 1] = r.body.key
          else if (r.status !== 401 && r.status !== 409)
            throw new Error(`BROKEN: a roll answered ${r.status}: ${r.text}`)
        }
      }
      const rollers = children.slice(1).map((_, k) => rollLower(k + 1))
      await new Promise((r) => setTimeout(r, 200))
      const revoked = await s
        .request('POST', `/v1/keys/${leaked.id}/revoke`, { token: owner.token, body: { minted: true } })
        .finally(() => (stop = true))
      await Promise.all(rollers)
      assert.equal(revoked.status, 200, `BROKEN: the cascade failed: ${revoked.text}`)
    }
  })
})
