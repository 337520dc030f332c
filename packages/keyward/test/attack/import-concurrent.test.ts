import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { STORES, type SuiteServer, serverForSuite } from '../helpers.js'

const ROUNDS = 5
const AT_ONCE = 4

/**
 * Attack on import idempotency (a fuzzer's find, PostgreSQL only): the same import sent several
 * times at once. Re-sending an import answers its items `unchanged`, so identical calls racing
 * each other must too: one stores the key, the others answer it `unchanged`, and none is a refused
 * secret (409 "this secret cannot be imported", or a name "already exists") spending the caller's
 * refusal budget. SQLite serializes the writes; PostgreSQL lets the lookups of one call run
 * before another's insert commits.
 */
for (const store of STORES) {
  describe(`attack: the same import sent several times at once (${store})`, () => {
    const suite = serverForSuite(store)

    it('answers every identical call 200: one key imported, the rest unchanged, no refusal counted', async () => {
      const { s, admin } = suite
      const user = await s.member(`conc${randomBytes(3).toString('hex')}`, admin)
      for (let round = 0; round < ROUNDS; round++) {
        const tag = randomBytes(4).toString('hex')
        const body = { keys: [{ name: `conc-${tag}`, plaintext: secret(), external_id: `conc-${tag}` }] }
        await expectOneImported(suite, user.token, body, `round ${round}`)
      }
      await expectOwnKeys(suite, user.token, ROUNDS)
      assert.equal(await refusalsOf(suite, user.actorId), 0, 'a lost race is no refused secret')
    })

    it('does the same without external ids (idempotent on the secret alone)', async () => {
      const { s, admin } = suite
      const user = await s.member(`conc${randomBytes(3).toString('hex')}`, admin)
      for (let round = 0; round < ROUNDS; round++) {
        const body = { keys: [{ name: `conc-${randomBytes(4).toString('hex')}`, plaintext: secret() }] }
        await expectOneImported(suite, user.token, body, `round ${round}`)
      }
      await expectOwnKeys(suite, user.token, ROUNDS)
      assert.equal(await refusalsOf(suite, user.actorId), 0, 'a lost race is no refused secret')
    })

    it('still refuses the secret to another person racing for it, naming the item, and counts that refusal', async () => {
      const { s, admin } = suite
      const users = await Promise.all(
        Array.from({ length: AT_ONCE }, () => s.member(`conc${randomBytes(3).toString('hex')}`, admin)),
      )
      const shared = secret()
      // The shared secret is item 1, so the refusal must name `keys[1]`, not the whole call.
      const answers = await Promise.all(
        users.map((u) =>
          s.request('POST', '/v1/keys/import', {
            token: u.token,
            body: { keys: [{ plaintext: secret() }, { plaintext: shared }] },
          }),
        ),
      )
      const won = answers.filter((a) => a.status === 200)
      assert.equal(won.length, 1, answers.map((a) => `${a.status} ${a.text}`).join('\n'))
      for (const a of answers.filter((x) => x.status !== 200)) {
        assert.equal(a.status, 409, a.text)
        assert.deepEqual(a.body.error, {
          code: 'conflict',
          message: 'keys[1]: this secret cannot be imported',
          details: [{ field: 'keys[1]', message: 'keys[1]: this secret cannot be imported' }],
        })
      }
      const refused = await Promise.all(users.map((u) => refusalsOf(suite, u.actorId)))
      assert.equal(
        refused.reduce((a, b) => a + b, 0),
        AT_ONCE - 1,
        'each refused person spent one refusal',
      )
    })
  })
}

/** A secret in another system's format, long enough to be looked up by hash. */
const secret = () => `imp_conc_${randomBytes(24).toString('base64url')}`

/** Sends `body` AT_ONCE times at once: every answer is 200, one `imported`, the others `unchanged`, one key. */
async function expectOneImported({ s }: SuiteServer, token: string, body: unknown, what: string): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: AT_ONCE }, () => s.request('POST', '/v1/keys/import', { token, body })),
  )
  const said = answers.map((a) => `${a.status} ${a.text}`).join('\n')
  assert.deepEqual(
    answers.map((a) => a.status),
    Array(AT_ONCE).fill(200),
    `${what}: every identical call is answered 200\n${said}`,
  )
  const statuses = answers.map((a) => a.body.keys[0].status as string).sort()
  assert.deepEqual(statuses, ['imported', ...Array(AT_ONCE - 1).fill('unchanged')], `${what}\n${said}`)
  assert.equal(new Set(answers.map((a) => a.body.keys[0].id)).size, 1, `${what}: all name one key\n${said}`)
}

async function expectOwnKeys({ s }: SuiteServer, token: string, n: number): Promise<void> {
  const list = await s.request('GET', '/v1/keys', { token })
  assert.equal(list.status, 200, list.text)
  assert.equal(list.body.total, n, 'one key stored per round')
}

/** The `key.secret_refused` entries of one caller: each is a refusal counted against their budget. */
async function refusalsOf({ s, admin }: SuiteServer, actorId: number): Promise<number> {
  const events = await s.request('GET', '/v1/audit?action=key.secret_refused', { token: admin })
  assert.equal(events.status, 200, events.text)
  return (events.body.events as { actor_id: number }[]).filter((e) => e.actor_id === actorId).length
}
