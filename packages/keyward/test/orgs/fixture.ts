import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import { type StoreKind, TestServer } from '../helpers.js'

/** A signed-in user of an organization fixture. */
export interface Person {
  id: number
  actorId: number
  email: string
  password: string
  token: string
}

/**
 * Organization "acme" with one person per role (owner, admin, member, viewer), all joined
 * through real invitations; an outsider owning organization "other"; in each, an application
 * with a device and keys. Built only through the HTTP API.
 */
export interface OrgWorld {
  admin: string
  owner: Person
  orgAdmin: Person
  member: Person
  viewer: Person
  outsider: Person
  acme: { id: number; actorId: number; appId: number; deviceId: number }
  other: { id: number; appId: number; keyId: number; key: string }
  /** acme's keys: owned by the organization (created by its owner), by its application, by its device. */
  keys: { orgKey: number; orgKeySecret: string; appKey: number; deviceKey: number }
}

/** Asserts a response status, showing the body when it differs. */
export function expectStatus(r: { status: number; text: string }, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: ${r.text}`)
}

async function person(s: TestServer, admin: string, name: string): Promise<Person> {
  const u = await s.member(name, admin)
  return { ...u, email: `${name}@example.com`, password: `${name}-password-1` }
}

/** Invites `p` into `orgId` with `role` (as `by`) and accepts as `p`, signed in. */
export async function join(s: TestServer, by: string, orgId: number, p: Person, role: string): Promise<void> {
  const inv = await s.request('POST', `/v1/organizations/${orgId}/invitations`, {
    token: by,
    body: { email: p.email, role },
  })
  expectStatus(inv, 201, 'invite')
  const acc = await s.request('POST', '/v1/invitations/accept', { token: p.token, body: { token: inv.body.token } })
  expectStatus(acc, 200, 'accept')
}

/** An organization with an application, a device and keys of each kind, made by `by`. */
async function orgWithFleet(s: TestServer, by: string, handle: string) {
  const org = await s.request('POST', '/v1/organizations', { token: by, body: { name: handle, handle } })
  expectStatus(org, 201, 'create org')
  const app = await s.request('POST', '/v1/applications', {
    token: by,
    body: { name: 'fleet', organization_id: org.body.id },
  })
  expectStatus(app, 201, 'create app')
  const dev = await s.request('POST', '/v1/devices', { token: by, body: { application_id: app.body.id } })
  expectStatus(dev, 201, 'create device')
  return { org: org.body, app: app.body, dev: dev.body }
}

/** Builds the world on a started server. */
export async function orgWorld(s: TestServer): Promise<OrgWorld> {
  const admin = await s.adminToken()
  const [owner, orgAdmin, member, viewer, outsider] = await Promise.all(
    ['olga', 'adam', 'mona', 'vic', 'xena'].map((n) => person(s, admin, n)),
  )
  const acme = await orgWithFleet(s, owner!.token, 'acme')
  await join(s, owner!.token, acme.org.id, orgAdmin!, 'admin')
  await join(s, owner!.token, acme.org.id, member!, 'member')
  await join(s, owner!.token, acme.org.id, viewer!, 'viewer')
  const other = await orgWithFleet(s, outsider!.token, 'other')
  const otherKey = await s.createKey(outsider!.token, { owner: { kind: 'organization', id: other.org.id } })
  const orgKey = await s.createKey(owner!.token, { owner: { kind: 'organization', id: acme.org.id } })
  const appKey = await s.createKey(owner!.token, { owner: { kind: 'application', id: acme.app.id } })
  const deviceKey = await s.createKey(owner!.token, { owner: { kind: 'device', id: acme.dev.id } })
  return {
    admin,
    owner: owner!,
    orgAdmin: orgAdmin!,
    member: member!,
    viewer: viewer!,
    outsider: outsider!,
    acme: { id: acme.org.id, actorId: acme.org.actor_id, appId: acme.app.id, deviceId: acme.dev.id },
    other: { id: other.org.id, appId: other.app.id, keyId: otherKey.id, key: otherKey.key },
    keys: { orgKey: orgKey.id, orgKeySecret: orgKey.key, appKey: appKey.id, deviceKey: deviceKey.id },
  }
}

/** A server of `store` with the world built, for the enclosing `describe`: started before its tests, closed after. */
export function withOrgWorld(store: StoreKind): { s: TestServer; w: OrgWorld } {
  const t = {} as { s: TestServer; w: OrgWorld }
  before(async () => {
    t.s = await TestServer.start(store)
    t.w = await orgWorld(t.s)
  })
  after(() => t.s?.close())
  return t
}
