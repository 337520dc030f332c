import assert from 'node:assert/strict'
import pg from 'pg'
import type { Response, TestServer } from '../helpers.js'

/**
 * Requests an attacker makes through each face with a credential it holds,
 * driven through the real app (`inject`), so every test reads as the attack it is.
 */
export const REALM = '/api/client/v2.0'

/** Opens a Realm session with an API key; returns the refresh token Realm's key routes take. */
export async function realmSession(s: TestServer, key: string): Promise<string> {
  const r = await s.request('POST', `${REALM}/app/kw/auth/providers/api-key/login`, { body: { key } })
  assert.equal(r.status, 200, r.text)
  return r.body.refresh_token as string
}

/** A Fluxbase key-management request authenticated with a key header, as Fluxbase's SDK sends it. */
export function flux(s: TestServer, method: string, path: string, key: string, body?: unknown): Promise<Response> {
  return s.request(method, `/api/v1${path}`, {
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}),
  })
}

/** Whether a secret still verifies (as the admin sees it). */
export async function verifies(s: TestServer, admin: string, key: string): Promise<boolean> {
  return (await s.verify(admin, key)).valid === true
}

/** Tries to create an admin user with a credential; returns the status. */
export async function tryCreateAdmin(s: TestServer, token: string, name: string): Promise<number> {
  const r = await s.request('POST', '/v1/users', {
    token,
    body: { email: `${name}@evil.example`, password: 'evil-password-1', role: 'admin' },
  })
  return r.status
}

/**
 * A real outage: on PostgreSQL the test database refuses connections and its backends
 * are terminated (the function returned lets them back in); on SQLite the store is closed (no way back: null).
 */
export async function databaseOutage(s: TestServer): Promise<(() => Promise<void>) | null> {
  if (s.config.databaseUrl.startsWith('sqlite:')) {
    await s.kw.services.store.close()
    return null
  }
  const name = new URL(s.config.databaseUrl).pathname.slice(1)
  const admin = new pg.Client({ connectionString: process.env.KEYWARD_TEST_DATABASE_URL })
  await admin.connect()
  await admin.query(`alter database ${name} allow_connections false`)
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name])
  return async () => {
    await admin.query(`alter database ${name} allow_connections true`)
    await admin.end()
  }
}

/** The password `adminTakenOver` has key `by` set. */
export const TAKEN_OVER = 'taken-over-password-1'

/** A new admin `email` (made with `admin`) whose password key `by` then set (`TAKEN_OVER`): a login of a key's line. */
export async function adminTakenOver(s: TestServer, admin: string, email: string, by: string): Promise<void> {
  const made = await s.request('POST', '/v1/users', {
    token: admin,
    body: { email, password: 'first-admin-password-1', role: 'admin' },
  })
  assert.equal(made.status, 201, made.text)
  const set = await s.request('POST', `/v1/users/${made.body.id}/password`, {
    token: by,
    body: { new_password: TAKEN_OVER },
  })
  assert.equal(set.status, 204, set.text)
}
