/**
 * Run inside a snapshot of main's `packages/keyward/src` (see migration.test.ts): fills a
 * database through main's own server and API, the way a deployment of today's main would have,
 * and prints what it made as JSON. Usage: `main-fill.mjs <database url>`.
 */
import { loadConfig } from './src/config.js'
import { createKeyward } from './src/server.js'

const url = process.argv[2]
const kw = await createKeyward(
  loadConfig({ KEYWARD_DATABASE_URL: url, KEYWARD_LOG_LEVEL: 'silent', KEYWARD_PASSWORD_SCRYPT_N: '16384' }),
  { logger: false },
)
await kw.services.users.bootstrapAdmin('admin@example.com', 'admin-password-1')
const call = async (method, path, token, body) => {
  const r = await kw.app.inject({
    method,
    url: path,
    headers: { ...(token && { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    payload: body === undefined ? undefined : JSON.stringify(body),
  })
  if (r.statusCode >= 300) throw new Error(`${method} ${path}: ${r.statusCode} ${r.body}`)
  return JSON.parse(r.body)
}
const login = async (email, password) => (await call('POST', '/v1/auth/login', null, { email, password })).access_token
const admin = await login('admin@example.com', 'admin-password-1')
const out = { users: [] }
for (const name of ['ann', 'ben']) {
  const email = `${name}@example.com`
  const user = await call('POST', '/v1/users', admin, { email, password: `${name}-password-1` })
  const token = await login(email, `${name}-password-1`)
  const app = await call('POST', '/v1/applications', token, { name: 'fleet' })
  const device = await call('POST', '/v1/devices', token, { application_id: app.id })
  const own = await call('POST', '/v1/keys', token, { name: 'own' })
  const prov = await call('POST', '/v1/keys', token, { name: 'prov', owner: { kind: 'application', id: app.id } })
  const dev = await call('POST', '/v1/keys', token, { name: 'dev', owner: { kind: 'device', id: device.id } })
  out.users.push({
    id: user.id,
    username: user.username,
    appId: app.id,
    deviceId: device.id,
    keys: { own: own.key, prov: prov.key, dev: dev.key },
    keyIds: [own.api_key.id, prov.api_key.id, dev.api_key.id],
  })
}
await kw.close()
process.stdout.write(JSON.stringify(out))
