import { setImmediate as nextTurn } from 'node:timers/promises'
import type { AuditAction } from '../../core/audit-actions.js'
import {
  canSeeUser,
  requireAccountRights,
  requireMayGrantRole,
  requireMayIssueLogin,
  requireScope,
} from '../../core/authz.js'
import type { Clock } from '../../core/clock.js'
import { KeywardError, notFound } from '../../core/errors.js'
import { makerOf } from '../../core/producer.js'
import type { Role, User } from '../../core/types.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { KeyRepository } from '../../store/key-repository.js'
import type { UserChange, UserLifecycleRepository } from '../../store/user-lifecycle-repository.js'
import type { AuditLog, AuditTarget } from './audit-log.js'
import { type AuditContext, type RequestContext, producerOf } from '../context.js'
import type { PasswordLogin } from './password-login.js'
import type { PasswordHasher } from './passwords.js'
import type { SessionCache } from './session-cache.js'
import { yieldToLoop } from '../keys/chunked-writes.js'
import type { GraceCascade } from '../keys/key-lineage.js'

/** Who the deletion's cascades are recorded as: no caller (`AuditContext`). */
const SYSTEM: AuditContext = { principal: null, ip: null }

/** The audit action of each lifecycle change. */
const ACTION: Record<UserChange['kind'], AuditAction> = {
  role: 'user.role_change',
  deactivate: 'user.deactivate',
  reactivate: 'user.reactivate',
  delete: 'user.delete',
}

/**
 * The user lifecycle (issue 14): passwords, instance role, deactivation, deletion. Every
 * change goes through the session cache, so it holds on every node before the response:
 * `endAllOf` ends sessions and refresh tokens, `forgetUser` re-reads the user and evicts the
 * verify-cache entries of every key the user is responsible for (role, DISABLED while
 * deactivated). Who may: `manageable` (a member sees no other user: 404; themselves: 403),
 * then `requireMayGrantRole` (core/authz.ts): touching an admin, or making one, takes a
 * credential with full admin rights. "At least one active admin" is the store's invariant.
 */
export class UserLifecycle {
  constructor(
    private readonly actors: ActorRepository,
    private readonly users: UserLifecycleRepository,
    private readonly keys: Pick<KeyRepository, 'findById'>,
    private readonly sessions: SessionCache,
    private readonly login: PasswordLogin,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly graceCascade: GraceCascade,
    /** Where an announcement that failed is reported; the sweeper finishes it (`finishDeletions`). */
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** Announcements running after their response (`announceLater`), for `close` to await. */
  private readonly announcing = new Set<Promise<void>>()
  private closing = false

  /** Your own password: the current one is required; every other session and refresh token ends. */
  async changeOwnPassword(ctx: RequestContext, current: string, next: string): Promise<void> {
    const p = ctx.principal
    requireAccountRights(p, 'change a password')
    const me = await this.actors.findUserById(p.owner.id)
    if (!me) throw new KeywardError('unauthorized', 'session expired or unknown; log in again')
    // Through the login throttle: a stolen session cannot guess the current password at leisure.
    const checked = await this.login.check(me.email, current, ctx.ip).catch((e: unknown) => {
      if (e instanceof KeywardError && e.code === 'unauthorized')
        throw new KeywardError('wrong_password', 'the current password is wrong')
      throw e
    })
    await this.setPassword(ctx, me, next, p.sessionId, 'user.password_change', checked.passwordHash)
  }

  /** An admin sets a user's password; every session of that user ends. */
  async resetPassword(ctx: RequestContext, id: number, next: string): Promise<void> {
    const user = await this.manageable(ctx, id, null)
    requireMayIssueLogin(await producerOf(ctx, this.keys), true)
    await this.setPassword(ctx, user, next, null, 'user.password_reset')
  }

  /**
   * Break-glass (`keyward reset-password`): an operator sets the password of the user with this email or
   * username, with no caller to check: whoever holds the database's credentials can write it anyway. The
   * instance's only admin locked out had no way back (a forgotten password; a revoke clearing the passwords
   * its key chose). As an admin's reset does, every session and refresh token of the user ends; the password
   * is no key's (`password_set_by_key_id` null). Audited as the system, `via: 'cli'`. A deactivated user
   * stays deactivated.
   */
  async resetPasswordOutside(login: string, next: string): Promise<User> {
    const found = await this.actors.findUserForLogin(login)
    if (!found) throw notFound('user')
    const set = await this.users.setPasswordHash(found.user.id, await this.hasher.hash(next), null)
    if (set === 'gone') throw notFound('user')
    await this.sessions.endAllOf(found.user, null)
    await this.audit.record(SYSTEM, 'user.password_reset', target(found.user), { via: 'cli' })
    return found.user
  }

  /** Changes a user's instance role; live sessions and keys see it at once. */
  setRole(ctx: RequestContext, id: number, role: Role): Promise<User> {
    return this.change(ctx, id, { kind: 'role', role })
  }

  /** Ends the user's sessions and refuses every key they are responsible for, until reactivated. */
  deactivate(ctx: RequestContext, id: number): Promise<User> {
    return this.change(ctx, id, { kind: 'deactivate', at: this.now() })
  }

  /** Lifts a deactivation: keys that were live verify again; sessions stay ended. */
  reactivate(ctx: RequestContext, id: number): Promise<User> {
    return this.change(ctx, id, { kind: 'reactivate' })
  }

  /**
   * Deletes a user: sessions ended, email released, personal keys revoked (kept for audit) chunk
   * by chunk, each with its `key.revoked` event. The tombstone deactivates the user first, so
   * every key is refused (DISABLED) from then on; once all are revoked, `forgetUser` evicts
   * them from every node's cache again, so they answer REVOKED. The tombstone is the record of
   * the deletion: when a chunk fails or the node dies, a retried DELETE (or the sweeper,
   * `finishDeletions`) revokes the rest; a finished deletion leaves no user (404).
   */
  async remove(ctx: RequestContext, id: number): Promise<void> {
    const [unfinished] = await this.users.unfinishedDeletions({ userId: id, limit: 1 })
    const user = unfinished
      ? await this.manageable(ctx, id, null, async () => unfinished)
      : await this.change(ctx, id, { kind: 'delete', at: this.now() })
    await this.finishDeletion(user)
  }

  /** Finishes up to `limit` interrupted deletions (a sweeper chore, every node); how many. */
  async finishDeletions(limit = 100): Promise<number> {
    const users = await this.users.unfinishedDeletions({ limit })
    // One user whose deletion keeps failing must not hold back those after it (an attacker's find).
    for (const u of users) await this.finishDeletion(u).catch((e: unknown) => this.onError(e))
    // One user whose chunk keeps failing must not hold back those after it.
    for (const id of await this.users.unannounced(limit)) await this.announceKeys(id).catch((e) => this.onError(e))
    return users.length
  }

  /**
   * Tells webhooks what a (de)activation or deletion did to the status of every key the user is
   * responsible for: `key.disabled` / `key.enabled` chunk by chunk, with the loop free between
   * them (a personal organization may hold 20,000 device keys). Owed from the change's own
   * transaction on (`announceKeysOf`), so what a dead node leaves, the sweeper finishes.
   */
  private async announceKeys(userId: number): Promise<void> {
    while (!this.closing && (await this.users.announceKeysOf(userId, this.clock.now())) > 0) await yieldToLoop()
  }

  /**
   * Before the store closes: no new chunk starts, and the one in flight ends — or it would run on
   * a closed store, an error at every deploy. What is left stays owed (the cursor moves with
   * each chunk's events), so the next node's sweeper sends it, each key once.
   */
  async close(): Promise<void> {
    this.closing = true
    await Promise.all(this.announcing)
  }

  /**
   * `announceKeys` after the response: the change has committed and every node already answers
   * by it; the announcement is owed in the store, so a failure (an outage, a chunk over its
   * budget) is reported, not answered — a retried request would find nothing to do — and the
   * sweeper finishes it.
   */
  private announceLater(userId: number): void {
    const running = this.announceKeys(userId)
      .catch((e: unknown) => this.onError(e))
      .finally(() => this.announcing.delete(running))
    this.announcing.add(running)
  }

  /**
   * Revokes a deleted user's remaining keys, one chunk per transaction with the loop free
   * between them; two nodes finishing the same user revoke (and announce) each key once
   * (`endOwnedKeys`). Then every node re-reads the user's keys: REVOKED instead of DISABLED.
   */
  private async finishDeletion(user: User): Promise<void> {
    const now = this.clock.now()
    while ((await this.users.revokeKeysOf(user, now)).ended > 0) await yieldToLoop()
    // Their rolled-away secrets ended with them, and with those what they made in their grace
    // periods (KeyLineage's invariant 1), whoever owns it. Recorded as the system: the sweeper may
    // be the one finishing. Named a revoke, which it was: "a deletion" told the owners of those
    // keys, who may not see the user, that the user was deleted (an attacker's find). Before
    // `markDeletionDone`, so a failure here is retried with the rest.
    const cut = await this.users.graceCutBy(user)
    for (const id of cut.makers) await this.graceCascade.revokeGraceProducts(SYSTEM, id, 'revoke', cut.at)
    await this.sessions.forgetUser(user.id)
    // Last: should anything before fail, the sweeper (or a retry) runs all of this again.
    await this.users.markDeletionDone(user.id, now.toISOString())
    this.announceLater(user.id) // the personal organization's keys, disabled for good
  }

  private async change(ctx: RequestContext, id: number, c: UserChange): Promise<User> {
    const before = await this.manageable(ctx, id, c.kind === 'role' ? c.role : null)
    const after = await this.users.apply(id, c)
    if (!after) throw notFound('user')
    if (c.kind === 'deactivate' || c.kind === 'delete') await this.sessions.endAllOf(after, null)
    else await this.sessions.forgetUser(id)
    const details = c.kind === 'role' ? { from: before.role, to: c.role } : { email: before.email }
    await this.audit.record(ctx, ACTION[c.kind], target(after), details)
    if (c.kind === 'deactivate' || c.kind === 'reactivate') this.announceLater(id)
    return after
  }

  /**
   * Clears the passwords keys `keyIds` chose (a user they created, a reset) and ends those users' sessions:
   * `revoke {minted: true}` of a key ends the logins its holder knows, as it ends the keys it made (an
   * attacker's find: an admin's leaked key reset a member's password and kept the account after the revoke).
   * An admin sets a new password. Each is audited on the user, naming the key revoked (`root_key_id`). The
   * revoking user's own too, and with it the session revoking (the revoke runs to its end: nothing after this
   * reads that session). It was kept, and the key's holder, who knew it, signed in again after the revoke (an
   * attacker's find). The offer says so first (`ownPasswordIn`); an instance's only admin gets back in with
   * `keyward reset-password`, on the server's machine.
   */
  async endLoginsSetBy(ctx: RequestContext, keyIds: readonly number[], rootKeyId: number, reason: string) {
    const users = await this.users.clearPasswordsSetBy(keyIds)
    for (const u of users) {
      await this.sessions.endAllOf(u, null)
      await this.audit.record(ctx, 'user.password_reset', target(u), { cleared: true, root_key_id: rootKeyId, reason })
    }
    return users.map((u) => u.id)
  }

  /** Whether keys `keyIds` chose the caller's own password (a revoke of theirs signs the caller out). */
  async ownPasswordIn(ctx: RequestContext, keyIds: readonly number[]): Promise<boolean> {
    const owner = ctx.principal.owner
    return owner.kind === 'user' && (await this.users.passwordChosenBy(owner.id, keyIds))
  }

  /**
   * Revokes the pending organization invitations made by logins of passwords keys `keyIds` chose (an invitation is a
   * login its token's holder knows; one a key made dies with the key), each audited on its organization. Run once
   * those logins ended (`KeyLineage`): they make no more. How many.
   */
  async endInvitationsOfLine(ctx: RequestContext, keyIds: readonly number[], rootKeyId: number, reason: string) {
    const revoked = await this.users.revokeInvitationsOfLine(keyIds, this.clock.now().toISOString())
    const entries = revoked.map((i) => ({
      target: { type: 'organization', id: i.organizationId, ownerActorId: i.orgActorId } as const,
      details: { invitation_id: i.id, email: i.email, role: i.role, root_key_id: rootKeyId, reason },
    }))
    await this.recordChunked(ctx, 'organization.invitation.revoke', entries)
    return revoked.length
  }

  /**
   * Ends the webhooks configured through keys `keyIds` (by one of them, or a login of a password they chose: a
   * standing read of key events, sent where the key's holder may have chosen; an attacker's find), until each one's
   * secret is rotated; each audited on the webhook as `webhook.update` naming the key. Run once those logins ended
   * (`KeyLineage`). How many.
   */
  async endWebhooksOfLine(ctx: RequestContext, keyIds: readonly number[], rootKeyId: number, reason: string) {
    const ended = await this.users.endWebhooksOfLine(keyIds, rootKeyId)
    const entries = ended.map((w) => ({
      target: { type: 'webhook', id: w.id, ownerActorId: w.ownerActorId } as const,
      details: { fields: ['line_ended_by_key_id'], url: w.url, root_key_id: rootKeyId, reason },
    }))
    await this.recordChunked(ctx, 'webhook.update', entries)
    return ended.length
  }

  /** How many webhooks `endWebhooksOfLine` would end now (`KeyLineage.made`). */
  async countWebhooksOfLine(keyIds: readonly number[]): Promise<number> {
    return (await this.users.webhooksOfLine(keyIds)).length
  }

  /** How many passwords `endLoginsSetBy` would clear now (`KeyLineage.made`). */
  countLoginsSetBy(keyIds: readonly number[]): Promise<number> {
    return this.users.countPasswordsSetBy(keyIds)
  }

  /**
   * Sets the password, recording the key whose credential chose it (a password session's choice: none): a reset, or
   * a key changing its own user's password (unrecorded, it outlived the key's revoke: an attacker's find).
   * `replacing`: the hash a change checked the current password against, which must still be stored.
   */
  private async setPassword(
    ctx: RequestContext,
    user: User,
    next: string,
    keep: number | null,
    action: AuditAction,
    replacing?: string,
  ) {
    const setBy = makerOf(ctx.principal)
    const set = await this.users.setPasswordHash(user.id, await this.hasher.hash(next), setBy, replacing)
    if (set === 'gone') throw notFound('user')
    // A change checked against a password that a reset or a revoke replaced meanwhile: that one stands (an
    // attacker's find: the stale change outlived both, written after the revoke had ended its session).
    if (set === 'changed') throw new KeywardError('wrong_password', 'the password changed meanwhile; sign in again')
    await this.sessions.endAllOf(user, keep)
    await this.audit.record(ctx, action, target(user))
  }

  /**
   * The user `id` if the caller may change it: a user the caller cannot see is 404 (as
   * everywhere); one it sees but may not manage is 403. Touching an admin or granting the
   * admin role (`role`) takes full admin rights. `find` reads the user (a live one by default).
   */
  private async manageable(
    ctx: RequestContext,
    id: number,
    role: Role | null,
    find = (userId: number) => this.actors.findUserById(userId),
  ): Promise<User> {
    const user = canSeeUser(ctx.principal, id) ? await find(id) : undefined
    if (!user) throw notFound('user')
    requireScope(ctx.principal, 'users:write')
    const touchesAdmin = user.role === 'admin' || role === 'admin'
    requireMayGrantRole(await producerOf(ctx, this.keys), touchesAdmin ? 'admin' : 'member')
    return user
  }

  /** Audit entries, 500 a write, a loop turn between (one entry a round trip took 60 s for 65,534 invitations). */
  private async recordChunked(
    ctx: RequestContext,
    action: AuditAction,
    entries: Parameters<AuditLog['recordMany']>[2],
  ) {
    for (let i = 0; i < entries.length; i += 500) {
      if (i > 0) await nextTurn()
      await this.audit.recordMany(ctx, action, entries.slice(i, i + 500))
    }
  }

  private now(): string {
    return this.clock.now().toISOString()
  }
}

const target = (u: User): AuditTarget => ({ type: 'user', id: u.id, ownerActorId: u.actorId })
