import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import pg from 'pg'
import type { StoreKind, TestServer } from '../helpers.js'

/** Statements in one transaction, straight into the store (creating users through the API hashes passwords). */
export async function exec(store: StoreKind, url: string, statements: string[]): Promise<void> {
  const script = `begin;${statements.join(';')};commit`
  if (store === 'sqlite') {
    const db = new Database(url.replace(/^sqlite:/, ''))
    db.exec(script)
    db.close()
    return
  }
  const c = new pg.Client(url)
  await c.connect()
  await c.query(script)
  await c.end()
}

/** `n` keys of the caller (`token`), imported by hash 1,000 at a time, named `<tag><batch>-<i>`. */
export async function importKeys(s: TestServer, token: string, n: number, tag = 'k'): Promise<void> {
  for (let b = 0; b < n / 1000; b++) {
    const keys = Array.from({ length: 1000 }, (_, i) => ({
      hash: { value: randomBytes(32).toString('hex'), variant: 'sha256_hex' },
      name: `${tag}${b}-${i}`,
    }))
    const r = await s.request('POST', '/v1/keys/import', { token, body: { keys } })
    if (r.status !== 200) throw new Error(r.text)
  }
}

/**
 * Gives each of the `n` keys of actor `actorId` its own device, all of one new application of
 * the caller (`token`; in their personal organization), as a balena fleet has.
 */
export async function spreadOverDevices(s: TestServer, token: string, n: number, actorId: number): Promise<void> {
  const app = await s.request('POST', '/v1/applications', { token, body: { name: 'fleet' } })
  if (app.status !== 201) throw new Error(app.text)
  const now = new Date().toISOString()
  const statements = Array.from({ length: n }, (_, i) => [
    `insert into actor (kind, created_at) values ('device', '${now}')`,
    `insert into device (actor_id, uuid, application_id, created_at)
       values ((select max(id) from actor), 'u${i}', ${app.body.id}, '${now}')`,
  ]).flat()
  statements.push(`update api_key set kind = 'device', actor_id = (select d.actor_id from device d
    where d.uuid = 'u' || cast(api_key.id - (select min(id) from api_key where actor_id = ${actorId}) as text))
    where actor_id = ${actorId}`)
  await exec(s.config.databaseUrl.startsWith('sqlite') ? 'sqlite' : 'postgres', s.config.databaseUrl, statements)
}
