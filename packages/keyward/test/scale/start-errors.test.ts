import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { createKeyward } from '../../src/server.js'
import { freshDatabase } from '../helpers.js'

/**
 * A server that cannot reach its store or Redis at start says which (the password masked) and why: it said "no
 * database connection is free; retry shortly" and "Connection is closed." (a new user's find).
 */
describe('start-up errors name what was not reached', { skip: !process.env.KEYWARD_TEST_DATABASE_URL }, () => {
  const start = (env: Record<string, string>) =>
    createKeyward(loadConfig({ KEYWARD_LOG_LEVEL: 'silent', ...env }), { logger: false })

  it('an unreachable PostgreSQL', async () => {
    await assert.rejects(start({ KEYWARD_DATABASE_URL: 'postgres://kw:hunter2@127.0.0.1:1/kw' }), (e: Error) => {
      assert.match(
        e.message,
        /^cannot connect to the database at postgres:\/\/kw:\*\*\*@127\.0\.0\.1:1\/kw: .*ECONNREFUSED/,
      )
      assert.ok(!e.message.includes('hunter2'), 'no password in the message')
      return true
    })
  })

  it('an unreachable Redis', async () => {
    const db = await freshDatabase('postgres')
    try {
      const env = { KEYWARD_DATABASE_URL: db.url, KEYWARD_REDIS_URL: 'redis://:hunter2@127.0.0.1:1' }
      await assert.rejects(start(env), (e: Error) => {
        assert.match(e.message, /^cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED/)
        assert.ok(!e.message.includes('hunter2'), 'no password in the message')
        return true
      })
    } finally {
      await db.drop()
    }
  })
})
