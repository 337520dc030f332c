import type { Kysely, Transaction } from 'kysely'
import { KeywardError } from '../core/errors.js'
import type { Role, User } from '../core/types.js'
import { rowToUser } from './actor-repository.js'
import type { Dialect } from './database.js'
import { type EndedKeys, endOwnedKeys } from './owned-keys.js'
import type { Database } from './schema.js'

/** What a lifecycle change does to a user; the guard below decides whether it may. */
export type UserChange =
  | { kind: 'role'; role: Role }
  | { kind: 'deactivate'; at: string }
  | { kind: 'reactivate' }
  | { kind: 'delete'; at: string }

const lastAdmin = () =>
  new KeywardError('last_admin', 'this is the last active administrator: promote another user first')

/** Whether a user still counts as an active admin after `c`. */
const staysAdmin = (u: User, c: UserChange): boolean =>
  c.kind === 'role' ? c.role === 'admin' : c.kind === 'reactivate' ? u.role === 'admin' : false

/**
 * Role, activation and deletion of users, each in one transaction with the invariant
 * "at least one active admin remains" checked there (not in the service), so two admins
 * demoting each other at once cannot both succeed: on PostgreSQL the active admins' rows
 * are locked (`FOR UPDATE`) before they are counted; SQLite runs one write transaction at a time.
 */
export class UserLifecycleRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** Applies `c` to a live (not deleted) user; the user after it, or undefined when there is none. */
  apply(userId: number, c: UserChange): Promise<User | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const r = await live(trx).selectAll().where('id', '=', userId).executeTakeFirst()
      if (!r) return undefined
      const user = rowToUser(r)
      if (isActiveAdmin(user) && !staysAdmin(user, c) && (await this.otherActiveAdmins(trx, userId)) === 0)
        throw lastAdmin()
      await trx.updateTable('user').set(patchOf(c, userId)).where('id', '=', userId).execute()
      const after = await trx.selectFrom('user').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
      return rowToUser(after)
    })
  }

  /**
   * Revokes one chunk of a deleted user's live keys, each with its `key.revoked` event, in one
   * transaction (`owned-keys.ts`); the service repeats it until none is left. Between the
   * tombstone and the last chunk the keys already verify as DISABLED (the holder is deactivated).
   */
  revokeKeysOf(user: User, now: Date): Promise<EndedKeys> {
    return this.db
      .transaction()
      .execute((trx) => endOwnedKeys(trx, this.dialect, user.actorId, { kind: 'revoke', reason: 'user deleted' }, now))
  }

  /**
   * Deleted users whose deletion is unfinished (`keys_ended_at` null, migration 0016): their keys
   * are not all revoked yet (a chunk failed, or the node died between chunks). `userId` narrows it
   * to one user; `limit` bounds a sweep. Reads the few unfinished tombstones, never their keys.
   */
  async unfinishedDeletions(opts: { userId?: number; limit: number }): Promise<User[]> {
    let q = this.db
      .selectFrom('user')
      .selectAll()
      .where('deleted_at', 'is not', null)
      .where('keys_ended_at', 'is', null)
    if (opts.userId !== undefined) q = q.where('id', '=', opts.userId)
    return (await q.orderBy('id').limit(opts.limit).execute()).map(rowToUser)
  }

  /** Records that a deleted user's keys are all revoked: the sweeper and a retried DELETE leave it be. */
  async markDeletionDone(userId: number, at: string): Promise<void> {
    await this.db.updateTable('user').set({ keys_ended_at: at }).where('id', '=', userId).execute()
  }

  /** Replaces a live user's password hash; false when there is no such user. */
  async setPasswordHash(userId: number, hash: string): Promise<boolean> {
    const r = await live(this.db).where('id', '=', userId).select('id').executeTakeFirst()
    if (!r) return false
    await this.db.updateTable('user').set({ password_hash: hash }).where('id', '=', userId).execute()
    return true
  }

  private async otherActiveAdmins(trx: Transaction<Database>, userId: number): Promise<number> {
    // In id order, as an invitation's acceptance locks its user rows (`invitation-repository.ts`, `lockMaker`).
    let q = live(trx).select('id').where('role', '=', 'admin').where('deactivated_at', 'is', null).orderBy('id')
    if (this.dialect === 'postgres') q = q.forUpdate()
    const rows = await q.execute()
    return rows.filter((r) => r.id !== userId).length
  }
}

const live = (db: Kysely<Database>) => db.selectFrom('user').where('deleted_at', 'is', null)

const isActiveAdmin = (u: User): boolean => u.role === 'admin' && u.deactivatedAt === null

/**
 * The row change of each lifecycle step. Deletion leaves a tombstone: the email and username
 * are released (a new account may take them), no password can match an empty hash, and
 * `deactivated_at` makes every key the user was responsible for verify as DISABLED.
 */
function patchOf(c: UserChange, userId: number) {
  if (c.kind === 'role') return { role: c.role }
  if (c.kind === 'deactivate') return { deactivated_at: c.at }
  if (c.kind === 'reactivate') return { deactivated_at: null }
  return {
    deleted_at: c.at,
    deactivated_at: c.at,
    email: `deleted-user-${userId}@deleted.invalid`,
    username: `deleted-user-${userId}`,
    password_hash: '',
  }
}
