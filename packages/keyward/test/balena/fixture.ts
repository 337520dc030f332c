import { TestServer } from '../helpers.js'

/** A user with a fleet, a provisioning key, a registered device and its key. */
export interface Tenant {
  user: { id: number; actorId: number; token: string }
  userKey: { key: string; id: number }
  app: { id: number; uuid: string; slug: string; actor_id: number }
  provKey: { key: string; id: number }
  device: { id: number; uuid: string; actor_id: number }
  deviceKey: { key: string; id: number }
}

/** Builds a tenant through the native API and `POST /device/register`. */
export async function makeTenant(s: TestServer, name: string, admin: string): Promise<Tenant> {
  const user = await s.member(name, admin)
  const userKey = await s.createKey(user.token, { name: 'ci' })
  const app = (await s.request('POST', '/v1/applications', { token: user.token, body: { name: `${name}-fleet` } })).body
  const provKey = await s.createKey(user.token, { owner: { kind: 'application', id: app.id }, name: 'prov' })
  const uuid = Buffer.from(name.padEnd(16, '-')).toString('hex').slice(0, 32)
  const apiKey = Buffer.from(`${name}-device-key`.padEnd(16, '-')).toString('hex').slice(0, 32)
  const reg = await s.request('POST', '/device/register', {
    token: provKey.key,
    body: { application: app.id, uuid, device_type: 'raspberrypi4-64', api_key: apiKey },
  })
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`)
  const device = (await s.request('GET', `/v1/devices/${reg.body.id}`, { token: user.token })).body
  const verified = await s.verify(user.token, apiKey)
  return { user, userKey, app, provKey, device, deviceKey: { key: apiKey, id: verified.key_id } }
}

/** Ids of the rows of a `{"d": [...]}` answer, sorted. */
export const ids = (body: { d: { id: number }[] }): number[] => body.d.map((r) => r.id).sort((a, b) => a - b)
