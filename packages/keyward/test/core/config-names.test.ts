import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from '../../src/config.js'

/** A bad setting is named as it was given: `serve --port 99999` named KEYWARD_PORT (a new user's find). */
describe('a bad server setting is named as it was given, flag or variable', () => {
  const cases: [string, Record<string, string>, Record<string, string>, RegExp][] = [
    ['--port', {}, { port: '99999' }, /^--port must be an integer between 0 and 65535, got "99999"$/],
    ['KEYWARD_PORT', { KEYWARD_PORT: 'x' }, {}, /^KEYWARD_PORT must be an integer/],
    ['--log-level', {}, { logLevel: 'loud' }, /^--log-level must be one of fatal, /],
    ['KEYWARD_LOG_LEVEL', { KEYWARD_LOG_LEVEL: 'loud' }, {}, /^KEYWARD_LOG_LEVEL must be one of /],
    ['--database-url', {}, { databaseUrl: 'mysql://x' }, /^--database-url must start with sqlite: /],
    ['KEYWARD_DATABASE_URL', { KEYWARD_DATABASE_URL: 'x.db' }, {}, /^KEYWARD_DATABASE_URL must start with /],
  ]
  for (const [name, env, flags, message] of cases)
    it(name, () => assert.throws(() => loadConfig(env, flags), { code: 'validation_failed', message }))
})
