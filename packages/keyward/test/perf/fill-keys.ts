import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { loadConfig } from '../../src/config.js'
import { generateKey, hashSecret, visiblePrefix } from '../../src/core/key-format.js'
import type { AppOptions } from '../../src/http/app.js'
import { type Keyward, createKeyward } from '../../src/server.js'

/** A Keyward server on a fresh SQLite file holding `count` keys of its admin, and their secrets. */
export interface FilledServer {
  kw: Keyward
  secrets: string[]
}

/**
 * Starts a server (services + HTTP app, not listening) on a temporary SQLite file and inserts
 * `count` keys in one transaction, shaped like keys people create: a name, a visible prefix,
 * one or two scopes, a small meta object on every fourth key (the rest `{}`), created now.
 * `app` defaults to no logger. Measurement scripts only: the secrets live in this process's memory.
 */
export async function fillServer(
  count: number,
  env: Record<string, string> = {},
  app: AppOptions = { logger: false },
): Promise<FilledServer> {
  const path = join(mkdtempSync(join(tmpdir(), 'keyward-perf-')), 'keyward.db')
  const config = loadConfig({
    KEYWARD_DATABASE_URL: `sqlite:${path}`,
    KEYWARD_LOG_LEVEL: 'silent',
    KEYWARD_PASSWORD_SCRYPT_N: '16384',
    ...env,
  })
  const kw = await createKeyward(config, app)
  const user = (await kw.services.users.bootstrapAdmin('perf@example.com', 'perf-password-1'))!.user
  const secrets = Array.from({ length: count }, () => generateKey())
  insertKeys(path, user.actorId, secrets)
  return { kw, secrets }
}

function insertKeys(path: string, actorId: number, secrets: readonly string[]): void {
  const db = new Database(path)
  const now = new Date().toISOString()
  const insert = db.prepare(
    `insert into api_key (actor_id, kind, name, hash, key_prefix, scopes, meta, created_by_actor_id, created_at, updated_at)
     values (?, 'user', ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  db.transaction(() => {
    secrets.forEach((s, i) => {
      const scopes = i % 2 === 0 ? '["orders:read"]' : '["orders:read","orders:write"]'
      const meta = i % 4 === 0 ? `{"customer":"c${i}","plan":"pro"}` : '{}'
      insert.run(actorId, `service key ${i}`, hashSecret(s), visiblePrefix(s), scopes, meta, actorId, now, now)
    })
  })()
  db.close()
}
