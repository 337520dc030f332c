import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Config } from '../config.js'
import { systemClock } from '../core/clock.js'
import { KeywardError } from '../core/errors.js'
import type { User } from '../core/types.js'
import { PASSWORD_LENGTH } from '../http/schemas.js'
import { createAuthServices } from '../services/auth/wiring.js'
import { ShapeClash } from '../services/cluster/cluster.js'
import { DEAF_AFTER_MS, HEARTBEAT_MS } from '../services/cluster/heard-bus.js'
import type { GraceCascade } from '../services/keys/key-lineage.js'
import { type VerifyStack, openVerifyStack } from '../services/verify-stack.js'
import { pendingMigrations } from '../store/migrations.js'
import { bumpOutsideWrites } from '../store/outside-writes.js'
import { UsageError } from './parse.js'
import { promptSecret } from './prompt.js'

/**
 * `keyward reset-password <login>`: the break-glass reset, run with the database's credentials beside running
 * servers (`UserLifecycle.resetPasswordOutside`). They learn of it as of any write: PostgreSQL nodes on the bus
 * this process joins as a verifier would (refused if its settings differ from the servers', or if it does not hear
 * them there), a SQLite server by polling the outside-write counter (`store/outside-writes.ts`), within a second.
 */
export async function resetPassword(config: Config, login: string, password: string): Promise<User> {
  requireExistingDatabase(config.databaseUrl)
  const unheard: unknown[] = [] // a publication that failed after its retries (`joinCluster`)
  const opts = { clock: systemClock, migrate: false, role: 'embedded' as const, budgetUnknownKeys: false }
  const stack = await openVerifyStack(config, { ...opts, onError: (e) => unheard.push(e) }).catch((e: unknown) => {
    if (!(e instanceof ShapeClash)) throw e
    const { name, theirs, ours } = e.clash
    throw new UsageError(
      `the servers of this database use ${theirs} for their ${name}, and this command uses ${ours}: give it the servers' ` +
        'KEYWARD_REDIS_URL, KEYWARD_REDIS_PREFIX, KEYWARD_INVALIDATION_BUS and KEYWARD_RATE_LIMIT_STORE; nothing was changed',
    )
  })
  try {
    await requireReachable(stack)
    const people = createAuthServices(stack, config, systemClock, () => {}, NO_CASCADE)
    const user = await people.userLifecycle.resetPasswordOutside(login, password).finally(async () => {
      // Even when ending the sessions failed after the password was written: a server clearing its cache once
      // for nothing costs a re-read per key in use; one not told keeps the sessions the database no longer has.
      if (stack.store.dialect === 'sqlite') await bumpOutsideWrites(stack.store.db)
    })
    if (unheard.length > 0)
      throw new KeywardError(
        'unavailable',
        `the password was reset, but the servers may not have heard that its sessions ended (${String(unheard[0])}): restart them`,
      )
    return user
  } finally {
    await stack.close()
  }
}

/**
 * Refuses a schema older than this version, and, on PostgreSQL, a local bus: the command would end the sessions in
 * the database and tell no node, whose caches keep them (`KEYWARD_INVALIDATION_BUS=local` passed the cluster-shape
 * check, which lets a node share nothing by choice: an attacker's find, exit 0 and the session still answered).
 */
async function requireReachable(stack: VerifyStack): Promise<void> {
  const pending = await pendingMigrations(stack.store.db, stack.store.dialect)
  if (pending.length > 0)
    throw new KeywardError(
      'unavailable',
      `the database's schema is older than this version (${pending.length} migration(s) to run): ` +
        'run `keyward migrate` with this version, or start its server, first',
    )
  if (stack.store.dialect === 'postgres' && stack.bus.kind === 'local')
    throw new UsageError(
      "on PostgreSQL the reset must reach the servers' bus: unset KEYWARD_INVALIDATION_BUS=local " +
        "(give the servers' KEYWARD_REDIS_URL and KEYWARD_REDIS_PREFIX when they use Redis)",
    )
  if (stack.bus.kind === 'local') return
  // The settings agree with the servers' records, but another Redis server with the same prefix and index passes
  // that (an attacker's find): listen until this process would have missed their canaries (`HeardBus` invariant 3).
  await sleep(HEAR_SERVERS_MS)
  if (!stack.bus.connected)
    throw new KeywardError(
      'unavailable',
      "this command does not hear the running servers on its bus (another Redis server than theirs?): give it the servers' " +
        'KEYWARD_REDIS_URL and KEYWARD_REDIS_PREFIX; nothing was changed',
    )
}

/**
 * How long the command listens before it writes: two reads of the servers' canary records (every other heartbeat)
 * and the grace a canary has to be heard, plus a heartbeat's slack. With no server running there is nothing to hear
 * and nothing to miss.
 */
const HEAR_SERVERS_MS = 4 * HEARTBEAT_MS + DEAF_AFTER_MS + 2 * HEARTBEAT_MS

/** A reset revokes nothing: no grace period is cut by it. */
const NO_CASCADE: GraceCascade = {
  revokeGraceProducts: () => Promise.reject(new Error('a password reset revokes no key')),
}

/** The new password: generated (printed once by the caller), or typed twice on a terminal, or the first piped line. */
export async function newPassword(generate: boolean): Promise<string> {
  if (generate) return randomBytes(18).toString('base64url')
  const first = await promptSecret('New password: ')
  // Characters, as the API counts them (`minLength`): not UTF-16 units (4 emoji passed here, an attacker's find).
  // Checked before asking again: a terminal user typed a short one twice to learn it (a new user's find).
  const length = [...first].length
  if (length < PASSWORD_LENGTH.min || length > PASSWORD_LENGTH.max)
    throw new UsageError(`a password has ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`)
  if (process.stdin.isTTY && (await promptSecret('Again: ')) !== first)
    throw new UsageError('the passwords differ', false)
  return first
}

/**
 * A SQLite database must exist: opening one creates it, so a command run from another directory than the server's
 * made an empty `./data/keyward.db` and said "run `keyward migrate`", which migrated that one (a new user's find).
 */
export function requireExistingDatabase(databaseUrl: string): void {
  if (!databaseUrl.startsWith('sqlite:')) return
  const path = databaseUrl.slice('sqlite:'.length)
  if (path !== ':memory:' && !existsSync(path))
    throw new UsageError(
      `no Keyward database at ${path}: give the server's (--database-url sqlite:<path>, or KEYWARD_DATABASE_URL)`,
    )
}
