import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isLostRace, isStoreOutage } from '../../src/store/database.js'

/** Which database errors are an outage (503, retry) and which are not (a 4xx or a bug): `isStoreOutage`. */
describe('isStoreOutage', () => {
  const err = (code: string | undefined, message = 'x') => Object.assign(new Error(message), code && { code })

  it('connection loss, refusal, shutdown and lost lock races on PostgreSQL; locks, I/O and a closed file on SQLite', () => {
    for (const code of ['08006', '08001', '53300', '57P01', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'SQLITE_BUSY']) {
      assert.equal(isStoreOutage(err(code)), true, code)
    }
    for (const code of ['SQLITE_BUSY_SNAPSHOT', 'SQLITE_IOERR_WRITE', 'SQLITE_FULL', 'SQLITE_CANTOPEN'])
      assert.equal(isStoreOutage(err(code)), true, code)
    for (const message of [
      'Connection terminated unexpectedly',
      'Client has encountered a connection error and is not queryable',
      'The database connection is not open',
      'driver has already been destroyed',
    ])
      assert.equal(isStoreOutage(err(undefined, message)), true, message)
    for (const code of ['55P03', '40P01', '40001']) assert.equal(isStoreOutage(err(code)), true, code)
  })

  it('not: constraint violations, bad input, a cancelled statement, or a message quoting the input', () => {
    // 08P01: a wrong bind count is our bug; SQLITE_READONLY: a write sent to a reader (store/read-worker.js).
    for (const code of ['23505', '22P02', '57014', '42P01', '08P01', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_READONLY'])
      assert.equal(isStoreOutage(err(code)), false, code)
    const quoting = 'invalid input syntax for type integer: "Connection terminated, not queryable"'
    assert.equal(isStoreOutage(err('22P02', quoting)), false)
    assert.equal(isStoreOutage(null), false)
    assert.equal(isStoreOutage('Connection terminated'), false, 'a string is not a driver error')
  })
})

/** Of those outages, the ones that are a lost race, not a database down: told apart in the 503's message. */
describe('isLostRace', () => {
  const err = (code: string) => Object.assign(new Error('x'), { code })
  it('a lock waited on too long, a deadlock, a serialization failure, a SQLite lock held past the busy timeout', () => {
    for (const code of ['55P03', '40P01', '40001', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED'])
      assert.equal(isLostRace(err(code)), true, code)
  })
  it('not: a lost connection, a shutdown, I/O, or no database error at all', () => {
    for (const code of ['08006', '57P01', 'ECONNREFUSED', 'SQLITE_IOERR_WRITE', 'SQLITE_CANTOPEN', '23505'])
      assert.equal(isLostRace(err(code)), false, code)
    assert.equal(isLostRace(null), false)
  })
})
