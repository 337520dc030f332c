import { type ExpressionBuilder, type Kysely, type Transaction, sql } from 'kysely'
import { KeywardError } from '../core/errors.js'
import { type Maker, isSecret } from '../core/producer.js'
import type { Role, User } from '../core/types.js'
import { rowToUser } from './actor-repository.js'
import type { Dialect } from './database.js'
import { appendKeyEvents } from './key-event-repository.js'
import { passwordsChosenBy, recordPasswordOrigins } from './key-origins.js'
import { KeyRepository } from './key-repository.js'
import { requireLiveProducer } from './live-producer.js'
import { type EndedKeys, endOwnedKeys, ownedKeysChunk } from './owned-keys.js'
import type { Database } from './schema.js'
import { lineOf } from './session-repository.js'

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
      await trx.updateTable('user').set(patchOf(c, user)).where('id', '=', userId).execute()
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
      .execute((trx) =>
        endOwnedKeys(trx, this.dialect, [user.actorId], { kind: 'revoke', reason: 'user deleted' }, now),
      )
  }

  /**
   * Where a deleted user's rolled-away secrets were cut short: at the deletion (the tombstone's time, so a
   * deletion the sweeper finishes after a grace end cuts where a prompt one did: an attacker's find), by the
   * user's keys that made a key in a grace period still to run then (`created_in_grace_until`). That finds a
   * secret the deletion ended, and one an earlier end left with a failed cascade (a roll without grace,
   * end-grace and a leak report clear the key's own record of it: an attacker's find). Read after the keys
   * are revoked, so a retried deletion finds them again; one `created_by_key_id` index probe per key.
   */
  async graceCutBy(user: User): Promise<{ at: Date; makers: number[] }> {
    const { deleted_at } = await this.db
      .selectFrom('user')
      .select('deleted_at')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow()
    if (deleted_at === null) throw new Error(`user ${user.id} is not deleted`)
    const rows = await this.db
      .selectFrom('api_key as made')
      .innerJoin('api_key as maker', 'maker.id', 'made.created_by_key_id')
      .select('maker.id')
      .distinct()
      .where('maker.actor_id', '=', user.actorId)
      .where('made.created_in_grace_until', '>', deleted_at)
      .execute()
    return { at: new Date(deleted_at), makers: rows.map((r) => r.id) }
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
    // Its own keys are revoked now (each announced `key.revoked`): what is owed is its personal
    // organization's keys, disabled for good — owed here, not by the tombstone, or a sweeper on
    // another node could announce the person's own keys disabled just before revoking them.
    await this.db
      .updateTable('user')
      .set({ keys_ended_at: at, keys_announced_through: 0 })
      .where('id', '=', userId)
      .execute()
  }

  /**
   * Announces one chunk of the status change a (de)activation made to the keys user `userId` is
   * responsible for (`personsKeys`): `key.disabled` while the user is deactivated (or deleted),
   * `key.enabled` once active, each with the key's view now, in one transaction with the cursor
   * (`keys_announced_through`, migration 0019) moved past them, or cleared when none is left.
   * The user's row is locked first (PostgreSQL), so two nodes, or a chunk and a reactivation,
   * take turns: a reactivation resets the cursor, and what follows announces the state it left.
   * How many keys this chunk announced (0: done, or nothing owed).
   */
  announceKeysOf(userId: number, now: Date): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('user').select(['keys_announced_through', 'deactivated_at']).where('id', '=', userId)
      if (this.dialect === 'postgres') q = q.forUpdate()
      const u = await q.executeTakeFirst()
      if (!u || u.keys_announced_through === null) return 0
      const after = u.keys_announced_through
      const ids = await personsKeys(trx, this.dialect, userId, after, now, ownedKeysChunk(this.dialect))
      await trx
        .updateTable('user')
        .set({ keys_announced_through: ids.at(-1) ?? null })
        .where('id', '=', userId)
        .execute()
      const keys = await new KeyRepository(trx, this.dialect).findByIds(ids)
      await appendKeyEvents(trx, u.deactivated_at === null ? 'key.enabled' : 'key.disabled', keys, now)
      return ids.length // not `keys.length`: a key deleted meanwhile still moved the cursor
    })
  }

  /** Users whose (de)activation is not announced yet (a node died between chunks): the sweeper's. */
  async unannounced(limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('user')
      .select('id')
      .where('keys_announced_through', 'is not', null)
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map((r) => r.id)
  }

  /**
   * Replaces a live user's password hash, recording the key (or the login of a key's line) that chose it (null:
   * none), only while that is live (`requireLiveProducer`), and with `replacing` only while that is the stored hash
   * (else 'changed'); 'gone' when there is no such user.
   */
  async setPasswordHash(
    userId: number,
    hash: string,
    setBy: Maker | null,
    replacing?: string,
  ): Promise<'set' | 'changed' | 'gone'> {
    return this.db.transaction().execute(async (trx) => {
      if (setBy) await requireLiveProducer(trx, this.dialect, setBy)
      const r = await trx
        .updateTable('user')
        .set({ password_hash: hash, password_set_by_key_id: setBy && isSecret(setBy) ? setBy.keyId : null })
        .where('id', '=', userId)
        .where('deleted_at', 'is', null)
        .$if(replacing !== undefined, (q) => q.where('password_hash', '=', replacing!))
        .executeTakeFirst()
      if (r.numUpdatedRows > 0n) {
        await recordPasswordOrigins(trx, userId, setBy) // `key-origins.ts` invariants 5 and 7
        return 'set'
      }
      return replacing !== undefined && (await live(trx).where('id', '=', userId).select('id').executeTakeFirst())
        ? 'changed'
        : 'gone'
    })
  }

  /**
   * Clears the passwords keys `keyIds` chose of live users (`password_set_by_key_id`), and returns those users.
   * An empty hash matches no password (`Passwords.verify`). One statement per chunk, guarded on the line: a
   * password set meanwhile by a credential outside it (an admin's reset) stays; one changed through a login of the
   * line is still the line's (`key-origins.ts` invariant 7).
   */
  async clearPasswordsSetBy(keyIds: readonly number[]): Promise<User[]> {
    const users: User[] = []
    for (let i = 0; i < keyIds.length; i += PASSWORD_CHUNK) {
      const rows = await this.db.transaction().execute(async (trx) => {
        const cleared = await trx
          .updateTable('user')
          .set({ password_hash: '', password_set_by_key_id: null })
          .where(passwordsSetBy(keyIds.slice(i, i + PASSWORD_CHUNK)))
          .returningAll()
          .execute()
        // No password, no origins: a later revoke must not count it again (`key-origins.ts` invariant 5).
        if (cleared.length > 0)
          await trx
            .deleteFrom('user_password_origin')
            .where(
              'user_id',
              'in',
              cleared.map((u) => u.id),
            )
            .execute()
        return cleared
      })
      users.push(...rows.map(rowToUser))
    }
    return users
  }

  /**
   * Revokes the pending organization invitations a login of a password keys `keyIds` chose (or chose through) made
   * (`password_line`, migration 0035), and returns them with their organization's actor. Pending invitations are
   * few; their lines are read and matched here, not searched in JSON by each database's own functions. Expired ones
   * cannot be accepted and are left. One statement per `LINE_CHUNK`: one holding every id went past the
   * databases' bound on parameters once a login had made 32,766 (SQLite) or 65,535 (PostgreSQL), and the revoke
   * failed on every try while the invitations lived (an attacker's find).
   */
  async revokeInvitationsOfLine(keyIds: readonly number[], at: string): Promise<RevokedInvitation[]> {
    const pending = await this.db
      .selectFrom('organization_invitation as i')
      .innerJoin('organization as o', 'o.id', 'i.organization_id')
      .select(['i.id', 'i.password_line', 'i.organization_id', 'o.actor_id', 'i.email', 'i.role'])
      .where('i.password_line', 'is not', null)
      .where('i.accepted_at', 'is', null)
      .where('i.revoked_at', 'is', null)
      .where('i.expires_at', '>', at)
      .execute()
    const hit = inLine(pending, (r) => r.password_line, keyIds)
    const revoked: RevokedInvitation[] = []
    for (const chunk of chunks(hit, LINE_CHUNK)) {
      const rows = await this.db
        .updateTable('organization_invitation')
        .set({ revoked_at: at })
        .where(
          'id',
          'in',
          chunk.map((r) => r.id),
        )
        .where('accepted_at', 'is', null) // an acceptance that committed first stands, as one of a key's
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute()
      const ids = new Set(rows.map((r) => r.id))
      for (const r of chunk)
        if (ids.has(r.id))
          revoked.push({
            id: r.id,
            organizationId: r.organization_id,
            orgActorId: r.actor_id,
            email: r.email,
            role: r.role,
          })
    }
    return revoked
  }

  /**
   * Marks the webhooks a login of a password keys `keyIds` chose (or chose through) configured as ended by key
   * `rootKeyId` (`configured_line`, migration 0036): they send nothing until their secret is rotated
   * (`configuringLineLapse`, core/authz.ts). Matched in code, as `revokeInvitationsOfLine`: such webhooks are few.
   * One statement per `LINE_CHUNK`, guarded on the line: a webhook configured again meanwhile, by a caller
   * outside it, is left. Returns them with their owner's actor.
   */
  async endWebhooksOfLine(keyIds: readonly number[], rootKeyId: number): Promise<EndedWebhook[]> {
    const ended: EndedWebhook[] = []
    for (const chunk of chunks(await this.webhooksOfLine(keyIds), LINE_CHUNK)) {
      const rows = await this.db
        .updateTable('webhook')
        .set({ line_ended_by_key_id: rootKeyId })
        .where(
          'id',
          'in',
          chunk.map((r) => r.id),
        )
        .where('configured_line', 'is not', null)
        .where('line_ended_by_key_id', 'is', null)
        .returning('id')
        .execute()
      const ids = new Set(rows.map((r) => r.id))
      ended.push(...chunk.filter((r) => ids.has(r.id)).map((r) => ({ id: r.id, ownerActorId: r.actor_id, url: r.url })))
    }
    return ended
  }

  /** The webhooks `endWebhooksOfLine` would end now, with their owner's actor. */
  async webhooksOfLine(keyIds: readonly number[]) {
    const configured = await this.db
      .selectFrom('webhook as w')
      .innerJoin('user as u', 'u.id', 'w.user_id')
      .select(['w.id', 'w.configured_line', 'w.url', 'u.actor_id'])
      .where('w.configured_line', 'is not', null)
      .where('w.line_ended_by_key_id', 'is', null)
      .execute()
    return inLine(configured, (r) => r.configured_line, keyIds)
  }

  /** Whether user `userId`'s password was chosen by, or through, one of keys `keyIds` (`passwordsChosenBy`). */
  async passwordChosenBy(userId: number, keyIds: readonly number[]): Promise<boolean> {
    for (let i = 0; i < keyIds.length; i += PASSWORD_CHUNK) {
      const r = await live(this.db)
        .select('id')
        .where('id', '=', userId)
        .where(passwordsChosenBy('user', keyIds.slice(i, i + PASSWORD_CHUNK)))
        .executeTakeFirst()
      if (r) return true
    }
    return false
  }

  /** How many passwords `clearPasswordsSetBy` would clear now. */
  async countPasswordsSetBy(keyIds: readonly number[]): Promise<number> {
    let n = 0
    for (let i = 0; i < keyIds.length; i += PASSWORD_CHUNK) {
      const r = await this.db
        .selectFrom('user')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where(passwordsSetBy(keyIds.slice(i, i + PASSWORD_CHUNK)))
        .executeTakeFirstOrThrow()
      n += Number(r.n)
    }
    return n
  }

  private async otherActiveAdmins(trx: Transaction<Database>, userId: number): Promise<number> {
    // In id order, as an invitation's acceptance locks its user rows (`invitation-repository.ts`, `lockMaker`).
    let q = live(trx).select('id').where('role', '=', 'admin').where('deactivated_at', 'is', null).orderBy('id')
    if (this.dialect === 'postgres') q = q.forUpdate()
    const rows = await q.execute()
    return rows.filter((r) => r.id !== userId).length
  }
}

/** Key ids per statement of `clearPasswordsSetBy` (a bound parameter each). */
const PASSWORD_CHUNK = 500

/**
 * Live users whose password keys `keyIds` chose, directly or through a secret they made (`passwordsChosenBy`):
 * the revoking user's own too (it was kept, and the key's holder signed in with it again: an attacker's find).
 */
function passwordsSetBy(keyIds: readonly number[]) {
  return (eb: ExpressionBuilder<Database, 'user'>) =>
    eb.and([eb.and([passwordsChosenBy('user', keyIds)]), eb('deleted_at', 'is', null)])
}

/** Rows a line's revoke writes per statement (invitations, webhooks), well under either database's bound on parameters. */
const LINE_CHUNK = 1_000

/** The rows of `rows` whose stored line (`lineOf`, read by `line`) holds one of keys `keyIds`. */
function inLine<R>(rows: readonly R[], line: (r: R) => string | null, keyIds: readonly number[]): R[] {
  const keys = new Set(keyIds)
  return rows.filter((r) => lineOf(line(r))?.some((k) => keys.has(k)))
}

/** `items` in slices of `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))
}

/** A webhook `endWebhooksOfLine` ended. */
export interface EndedWebhook {
  id: number
  ownerActorId: number
  url: string
}

/** A pending invitation `revokeInvitationsOfLine` revoked. */
export interface RevokedInvitation {
  id: number
  organizationId: number
  orgActorId: number
  email: string
  role: string
}

const live = (db: Kysely<Database>) => db.selectFrom('user').where('deleted_at', 'is', null)

const isActiveAdmin = (u: User): boolean => u.role === 'admin' && u.deactivatedAt === null

/**
 * The row change of each lifecycle step. Deletion leaves a tombstone: the email and username
 * are released (a new account may take them), no password can match an empty hash, and
 * `deactivated_at` makes every key the user was responsible for verify as DISABLED.
 */
function patchOf(c: UserChange, u: User) {
  if (c.kind === 'role') return { role: c.role }
  // A change of the person's keys' status is owed an announcement, from the first key on; a
  // repeated one (deactivating the deactivated) changes nothing and owes none.
  const flips = (c.kind === 'deactivate') === (u.deactivatedAt === null)
  const owed = flips ? { keys_announced_through: 0 } : {}
  if (c.kind === 'deactivate') return { deactivated_at: c.at, ...owed }
  if (c.kind === 'reactivate') return { deactivated_at: null, ...owed }
  const userId = u.id
  return {
    // Owed once its own keys are revoked (`markDeletionDone`); one under way stops here.
    keys_announced_through: null,
    deleted_at: c.at,
    deactivated_at: c.at,
    email: `deleted-user-${userId}@deleted.invalid`,
    username: `deleted-user-${userId}`,
    password_hash: '',
  }
}

/**
 * The next `limit` live keys (not revoked, switched on, not expired: those whose status the
 * person's state decides) after key `after` that user `userId` is responsible for, in id order:
 * the rule of `KeyRepository.selectKeys`' `ruser` — the user's own keys, and those of their
 * personal organization, its applications and their devices; a shared organization's are no one's.
 * A personal fleet is 20,000 device actors of one key each. SQLite probes `api_key_actor_idx` per
 * actor (`in (…)`), then sorts. PostgreSQL, asked for `order by id limit n`, may walk the primary
 * key and test each key against every actor: with the statistics of freshly loaded tables it did,
 * over the 5 s budget, in one run of two or three (`test/perf/announce-chunks.ts`; a lateral
 * probe per actor fell the same way, walking the primary key inside each probe). So it gets the
 * actors as an array (its size known to the planner) and the keys in a materialized CTE, planned
 * apart from the `limit`: every plan left reads the person's keys once, none walks the table.
 */
async function personsKeys(
  trx: Kysely<Database>,
  dialect: Dialect,
  userId: number,
  after: number,
  now: Date,
  limit: number,
): Promise<number[]> {
  const actors = sql<{ actor_id: number }>`select actor_id from "user" where id = ${userId}
    union all select o.actor_id from organization o where o.personal_user_id = ${userId}
    union all select a.actor_id from application a
      join organization o on o.id = a.organization_id where o.personal_user_id = ${userId}
    union all select d.actor_id from device d join application a on a.id = d.application_id
      join organization o on o.id = a.organization_id where o.personal_user_id = ${userId}`
  const live = sql`k.id > ${after} and k.revoked_at is null and k.disabled_at is null
    and (k.expires_at is null or k.expires_at > ${now.toISOString()})`
  const q =
    dialect === 'sqlite'
      ? sql<{ id: number }>`select k.id from api_key k where k.actor_id in (${actors}) and ${live}
          order by k.id limit ${limit}`
      : sql<{ id: number }>`with mine as materialized (select k.id from api_key k
            where k.actor_id = any(${(await actors.execute(trx)).rows.map((r) => r.actor_id)}::integer[]) and ${live})
          select id from mine order by id limit ${limit}`
  return (await q.execute(trx)).rows.map((r) => r.id)
}
