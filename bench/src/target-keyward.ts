/**
 * Keyward as `keyward serve` runs it (createKeyward + listen), on loopback, with
 * the population cloned into its store. Two callers: an API key scoped
 * `keys:verify` and the admin's session token; optionally a member owning many keys.
 */
import { createWriteStream } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createKeyward, loadConfig } from 'keyward'
import { visiblePrefix } from '../../packages/keyward/src/core/key-format.js'
import type { Started, TargetSpec } from './protocol.js'
import { type Clone, type CloneSpec, clonePg, cloneSqlite, fillerClones, sha256Hex } from './seed.js'
import { readKeys } from './target-peers.js'

const KEY_TABLE: CloneSpec = {
  table: 'api_key',
  id: 'id',
  columns: { hash: 'hash', prefix: 'key_prefix', name: 'name' },
}
type Call = (method: string, url: string, token: string | null, payload?: unknown) => Promise<any>

/** Clones `templateId` once per row into the store at `url`. */
async function clone(url: string, templateId: number, rows: Iterable<Clone>): Promise<number> {
  if (url.startsWith('sqlite:')) return cloneSqlite(url.slice('sqlite:'.length), KEY_TABLE, templateId, rows)
  return clonePg(url, KEY_TABLE, templateId, rows)
}

function* populationClones(keys: readonly string[]): Generator<Clone> {
  for (let i = 0; i < keys.length; i++)
    yield { hash: sha256Hex(keys[i]!), prefix: visiblePrefix(keys[i]!), name: `pop-${i}` }
}

/** A member and `n` keys of theirs (names `member-key-…`); returns the member's session token. */
async function member(call: Call, admin: string, url: string, n: number): Promise<string> {
  await call('POST', '/v1/users', admin, { email: 'member@example.com', password: 'member-password-1', role: 'member' })
  const token: string = (
    await call('POST', '/v1/auth/login', null, { email: 'member@example.com', password: 'member-password-1' })
  ).access_token
  const template = (await call('POST', '/v1/keys', token, { name: 'member-template' })).api_key.id
  await clone(
    url,
    template,
    (function* () {
      for (const c of fillerClones(n)) yield { ...c, name: `member-key-${c.name}` }
    })(),
  )
  return token
}

/** Starts Keyward on the spec's store and seeds it. */
export async function startKeyward(spec: TargetSpec): Promise<Started> {
  const url = spec.databaseUrl ?? `sqlite:${join(spec.dir, 'keyward.db')}`
  // `keyward serve` logs every request at its default level (info), verifications included (KEYWARD_VERIFY_ACCESS_LOG
  // unset); so does the measured server, into /dev/null. The bare server and better-auth log nothing (BENCHMARKS.md).
  const level = process.env.BENCH_KEYWARD_LOG_LEVEL ?? 'info'
  const kw = await createKeyward(
    loadConfig({ KEYWARD_DATABASE_URL: url, KEYWARD_LOG_LEVEL: level, KEYWARD_PORT: '0', ...spec.env }),
    { logger: level === 'silent' ? false : { level, stream: createWriteStream('/dev/null') } },
  )
  await kw.services.users.bootstrapAdmin('bench@example.com', 'bench-password-1')
  const call: Call = async (method, path, token, payload) =>
    (
      await kw.app.inject({
        method: method as 'POST',
        url: path,
        ...(payload !== undefined && { payload: payload as object }),
        headers: token ? { authorization: `Bearer ${token}` } : {},
      })
    ).json()
  const session: string = (
    await call('POST', '/v1/auth/login', null, { email: 'bench@example.com', password: 'bench-password-1' })
  ).access_token
  // Names unique per process: a store seeded by an earlier (seedOnly) process already has its own.
  const caller: string = (
    await call('POST', '/v1/keys', session, { name: `gateway-${process.pid}`, scopes: ['keys:verify'] })
  ).key
  const template: number = (await call('POST', '/v1/keys', session, { name: `template-${process.pid}` })).api_key.id
  const t = performance.now()
  const keys = readKeys(spec.keysFile)
  await clone(url, template, populationClones(keys))
  const memberToken = spec.memberKeys ? await member(call, session, url, spec.memberKeys) : undefined
  const filler = Math.max(0, (spec.storeSize ?? 0) - keys.length - (spec.memberKeys ?? 0))
  if (filler) await clone(url, template, fillerClones(filler))
  const seedS = (performance.now() - t) / 1000
  if (spec.seedOnly) {
    await kw.close()
    return { ready: { port: 0, path: '', headers: {}, seedS }, close: async () => {} }
  }
  await kw.app.listen({ host: '127.0.0.1', port: 0 })
  return {
    ready: {
      port: (kw.app.server.address() as AddressInfo).port,
      path: '/v1/keys/verify',
      seedS,
      memberToken,
      headers: { authorization: `Bearer ${caller}` },
      sessionHeaders: { authorization: `Bearer ${session}` },
    },
    cacheEntries: () => (kw.services as { cache?: { size: number } }).cache?.size ?? NaN,
    close: () => kw.close(),
  }
}
