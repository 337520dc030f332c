import { randomBytes } from 'node:crypto'
import type { Config } from '../config.js'
import { systemClock } from '../core/clock.js'
import { KeywardError } from '../core/errors.js'
import type { User } from '../core/types.js'
import { createAuthServices } from '../services/auth/wiring.js'
import type { GraceCascade } from '../services/keys/key-lineage.js'
import { openVerifyStack } from '../services/verify-stack.js'
import { pendingMigrations } from '../store/migrations.js'
import { bumpOutsideWrites } from '../store/outside-writes.js'
import { UsageError } from './parse.js'
import { promptSecret } from './prompt.js'

/** The API's bounds on a password (`POST /v1/users`), checked before anything is opened. */
const PASSWORD_LENGTH = { min: 8, max: 1024 }

/**
 * `keyward reset-password <login>`: the break-glass reset, run with the database's credentials beside running
 * servers (`UserLifecycle.resetPasswordOutside`). They learn of it as of any write: PostgreSQL nodes on the bus
 * this process joins as a verifier would (refused if its settings differ from the servers'), a SQLite server by
 * polling the outside-write counter (`store/outside-writes.ts`), within a second.
 */
export async function resetPassword(config: Config, login: string, password: string): Promise<User> {
  const opts = { clock: systemClock, migrate: false, role: 'embedded' as const, budgetUnknownKeys: false }
  const stack = await openVerifyStack(config, { ...opts, onError: (e) => console.error(e) })
  try {
    const pending = await pendingMigrations(stack.store.db, stack.store.dialect)
    if (pending.length > 0)
      throw new KeywardError(
        'unavailable',
        `the database's schema is older than this version (${pending.length} migration(s) to run): ` +
          'run `keyward migrate` with this version, or start its server, first',
      )
    const people = createAuthServices(stack, config, systemClock, () => {}, NO_CASCADE)
    const user = await people.userLifecycle.resetPasswordOutside(login, password)
    if (stack.store.dialect === 'sqlite') await bumpOutsideWrites(stack.store.db)
    return user
  } finally {
    await stack.close()
  }
}

/** A reset revokes nothing: no grace period is cut by it. */
const NO_CASCADE: GraceCascade = {
  revokeGraceProducts: () => Promise.reject(new Error('a password reset revokes no key')),
}

/** The new password: generated (printed once by the caller), or typed twice on a terminal, or the first piped line. */
export async function newPassword(generate: boolean): Promise<string> {
  if (generate) return randomBytes(18).toString('base64url')
  const first = await promptSecret('New password: ')
  if (process.stdin.isTTY && (await promptSecret('Again: ')) !== first) throw new UsageError('the passwords differ')
  if (first.length < PASSWORD_LENGTH.min || first.length > PASSWORD_LENGTH.max)
    throw new UsageError(`a password has ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`)
  return first
}
