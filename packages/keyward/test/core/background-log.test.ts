import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import Fastify from 'fastify'
import { KeywardError } from '../../src/core/errors.js'
import { logBackgroundFailure } from '../../src/server.js'

/** Background failures are logged by what they mean: a busy store is retried (warn), anything else is an error. */
describe('background task failures in the log', () => {
  const logged = (e: unknown) => {
    const lines: { level: number; msg: string }[] = []
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string })
        done()
      },
    })
    logBackgroundFailure(Fastify({ logger: { level: 'info', stream: sink } }).log, e)
    return lines
  }

  it('a read queued past its budget (503 unavailable) is a warning that says it retries', () => {
    const [line] = logged(new KeywardError('unavailable', 'the server is busy with other slow reads; retry shortly'))
    assert.ok(line, 'one line logged')
    assert.equal(line.level, 40)
    assert.match(line.msg, /retries on its next turn/)
  })

  it('any other failure is an error', () => {
    assert.equal(logged(new Error('disk I/O error'))[0]?.level, 50)
    assert.equal(logged(new KeywardError('internal', 'read pool reader failed'))[0]?.level, 50)
  })
})
