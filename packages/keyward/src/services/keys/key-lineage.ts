import type { LeakAction } from '../../config.js'
import type { ApiKey, Principal } from '../../core/types.js'
import type { Clock } from '../../core/clock.js'
import type { KeyLineageRepository, Made } from '../../store/key-lineage-repository.js'
import type { AuditLog } from '../auth/audit-log.js'
import type { AuditContext, RequestContext } from '../context.js'
import { yieldToLoop } from './chunked-writes.js'
import type { KeyService, LeakReport } from './key-service.js'
import type { VerifyCache } from './verify-cache.js'

/** What cut a grace period short, named in the reason of each key revoked with it (a leak was not: a new user's find). */
export type GraceEnd = 'end-grace' | 'roll' | 'revoke' | 'delete' | 'leak report'

/** The cascade a bulk end runs for each key whose grace period it cut short (a deleted user's keys, at the deletion). */
export type GraceCascade = Pick<KeyLineage, 'revokeGraceProducts'>

/** What ends the logins a line of keys chose (`UserLifecycle.endLoginsSetBy`); wired after the people services. */
export type LoginsOfKeys = {
  /** The users whose passwords it cleared. */
  endLoginsSetBy(ctx: RequestContext, keyIds: readonly number[], rootKeyId: number, reason: string): Promise<number[]>
  /** How many `endLoginsSetBy` would clear now, changing nothing. */
  countLoginsSetBy(keyIds: readonly number[]): Promise<number>
  /** Whether it would clear the caller's own password (and so end the caller's sessions, the one asking included). */
  ownPasswordIn(ctx: RequestContext, keyIds: readonly number[]): Promise<boolean>
  /** Ends the webhooks configured through the line (its keys, its logins), until their secret is rotated; how many. */
  endWebhooksOfLine(ctx: RequestContext, keyIds: readonly number[], rootKeyId: number, reason: string): Promise<number>
  /** How many `endWebhooksOfLine` would end now. */
  countWebhooksOfLine(keyIds: readonly number[]): Promise<number>
  /** Revokes the pending invitations the line's logins made; how many. */
  endInvitationsOfLine(
    ctx: RequestContext,
    keyIds: readonly number[],
    rootKeyId: number,
    reason: string,
  ): Promise<number>
}

/** What `revokeWithDescendants` would end now (`KeyLineage.made`). */
export interface MadeByKey {
  /** Unrevoked keys of its line the caller may see. */
  keys: number
  /** Passwords the line chose that would be cleared. */
  passwords: number
  /** Whether the caller's own password is one of them: the revoke ends the caller's sessions, the one revoking too. */
  ownPassword: boolean
  /** Webhooks logins of the line configured, which would send nothing until their secret is rotated. */
  webhooks: number
}

/** What `revokeWithDescendants` ended: the key, how many keys of its line, which passwords it chose. */
export interface RevokedWithLine {
  key: ApiKey
  descendants: number
  passwordsCleared: number
  /** The caller's own password was one: their sessions ended, the one revoking too. */
  ownPasswordCleared: boolean
  /** Webhooks logins of the line configured, now sending nothing until their secret is rotated. */
  webhooksEnded: number
}

/** One cascade: recorded as `ctx`, over the keys `viewer` may see (null: all), each audited naming `rootId` and `why`. */
interface Cascade {
  ctx: AuditContext
  viewer: Principal | null
  rootId: number
  why: string
}

/**
 * Keys record the key that made them (`created_by_key_id`, DESIGN.md "Keys record the key
 * that made them"); this revokes a key together with what it made, for the holder of a
 * key that may have been used by someone else (a leak) to mint keys that would survive it.
 * Invariants:
 * 1. Only keys the caller may see are revoked (`KeyLineageRepository`, store visibility):
 *    the cascade reaches no further than the caller could one key at a time. Except what a
 *    rolled-away secret made in a grace period cut short (`revokeGraceProducts`): it ends with
 *    that secret, whoever owns it and whoever ended the secret (a roll, end-grace, a revoke or
 *    delete, a leak report or its owner's deletion, these two with no caller). Its expiry is bounded by the grace end promised, so
 *    this only brings its end forward; anyone holding the secret until then could have made it
 *    (an attacker's find: a demoted admin's roll left what its old secret made for others working).
 *    A key its owner extended is still revoked while that grace period would have run.
 * 2. The root is revoked first, so it mints nothing more while its descendants are found;
 *    a key that is no longer live cannot produce (`producerOf` reads it fresh).
 * 3. Every revoked descendant leaves the verify cache on every node (`invalidate` per
 *    chunk, before the next chunk) and has its own audit entry naming the root.
 * 4. Re-running it is safe and finishes the work: already-revoked keys are skipped, and
 *    a revoked root still cascades (a cascade cut short by a failure is completed).
 * 5. The line cannot be cut above a live key: the cascade goes down through keys already
 *    revoked (`childrenOf`), and a key may not delete a key that made keys (`KeyService.delete`).
 *    A key that rolled another key made its new secret (`madeByKeys`), and rolls can form a
 *    cycle: each key is a parent once.
 * 6. A password a key of the line chose (a user it created, a reset) is a login its holder knows:
 *    it is cleared and the user's sessions end (`LoginsOfKeys`), whoever the revoker may manage now
 *    (it only takes away what the key gave). Accounts stay, with their keys and roles.
 * 7. What such a login made (keys, rolled secrets, passwords, pending invitations, webhooks it configured) was made
 *    through the line (`key-origins.ts` invariant 7) and ends with it, what it made while the walk ran included
 *    (`revokeMadeMeanwhile`). A webhook a key of the line configured stops with it too (`endWebhooksOfLine`).
 */
export class KeyLineage {
  constructor(
    private readonly keys: KeyService,
    private readonly repo: KeyLineageRepository,
    private readonly cache: VerifyCache,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly logins: LoginsOfKeys,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** Revokes key `id` (invariant 2) and every key descending from it (invariants 1, 3, 4). */
  async revokeWithDescendants(ctx: RequestContext, id: number, reason: string | null): Promise<RevokedWithLine> {
    const key = await this.keys.revoke(ctx, id, reason)
    // No key id: the owners of these keys may not see the root (`root_key_id` is hidden from them; an attacker's find).
    const why = `made from a key revoked with what it made${reason ? `: ${reason}` : ''}`.slice(0, 500)
    const cascade = { ctx, viewer: ctx.principal, rootId: id, why }
    let descendants = 0
    const now = { now: this.clock.now().toISOString() }
    const seen = await this.walkLine(ctx.principal, id, now, async (parents) => {
      descendants += (await this.revokeGeneration(cascade, parents, now)).length
    })
    // What its rolled-away secret made for owners the revoker no longer sees (invariant 1's exception): asking for
    // more must not revoke less than a plain revoke (an attacker's find).
    descendants += await this.revokeGraceProducts(ctx, id, 'revoke')
    // The logins the line's keys chose end with it (invariant 6), and what they made meanwhile (invariant 7).
    const logins = await this.endLineLogins(cascade, seen, now)
    descendants += logins.descendants
    // And the webhooks those logins (and the line's keys) configured, now that they configure no more (invariant 7).
    const webhooksEnded = await this.logins.endWebhooksOfLine(ctx, [...seen], id, why)
    // On the key's own history, how many went with it: a revoke of a key already revoked (a leak report revoked it
    // alone) left nothing there, and each revoked key's entry is about that key (a new user's find).
    if (descendants > 0)
      await this.audit.record(
        ctx,
        'key.revoke_minted',
        { type: 'api_key', id: key.id, ownerActorId: key.actorId },
        { minted_revoked: descendants, ...(reason && { reason }) },
      )
    const owner = ctx.principal.owner
    const ownPasswordCleared = owner.kind === 'user' && logins.users.has(owner.id)
    return { key, descendants, passwordsCleared: logins.users.size, ownPasswordCleared, webhooksEnded }
  }

  /**
   * Clears the passwords the line chose and ends their logins (invariant 6), the revoker's own too
   * (`LoginsOfKeys.endLoginsSetBy`). Only unbounded keys set passwords (`requireMayIssueLogin`), so what a
   * rolled-away secret made has none to end. Those logins made things through the line until they ended (invariant
   * 7): read once they are gone, what they made meanwhile is taken too, the passwords (an account, a reset) with
   * another clear, until a clear finds none. Each clear is one statement: a password a login set while the last
   * one ran, and the logins opened with it before the next, are the next one's (an attacker's find on PostgreSQL:
   * 22 of 22 accounts made during the revoke lived). The pending invitations those logins made are revoked before
   * each clear: an account opened with one before that revoke has a password of the line (`InvitationService`), which
   * the clear after it takes; one accepted after it fails (an attacker's find: an acceptance committing between the
   * last clear and the invitations' revoke opened an account that lived). The users cleared, and how many keys went.
   */
  private async endLineLogins(cascade: Cascade & { ctx: RequestContext }, seen: Set<number>, now: { now: string }) {
    const users = new Set<number>()
    let descendants = 0
    for (let cleared = [0]; cleared.length > 0;) {
      await this.logins.endInvitationsOfLine(cascade.ctx, [...seen], cascade.rootId, cascade.why)
      cleared = await this.logins.endLoginsSetBy(cascade.ctx, [...seen], cascade.rootId, cascade.why)
      for (const u of cleared) users.add(u)
      if (cleared.length > 0) descendants += await this.revokeMadeMeanwhile(cascade, seen, now)
    }
    return { users, descendants }
  }

  /**
   * What `revokeWithDescendants` of key `id` would end now, asked by whoever may revoke it (404, 403 as the revoke):
   * the unrevoked keys of the line the caller sees, the passwords the line chose. The same walk and the same
   * password rule, so the offer counts what the revoke does: a demoted member's old admin key had chosen a
   * password, which the revoke clears, and the dashboard, counting through listings a member cannot make, offered
   * nothing (a reviewer's find). Changes nothing.
   */
  async made(ctx: RequestContext, id: number): Promise<MadeByKey> {
    await this.keys.revocable(ctx, id)
    const line = await this.walkLine(ctx.principal, id, { now: this.clock.now().toISOString() }, async () => {})
    const keys = await this.repo.countUnrevoked([...line].filter((k) => k !== id))
    const passwords = await this.logins.countLoginsSetBy([...line])
    const ownPassword = passwords > 0 && (await this.logins.ownPasswordIn(ctx, [...line]))
    return { keys, passwords, ownPassword, webhooks: await this.logins.countWebhooksOfLine([...line]) }
  }

  /**
   * Key `id` and every key of its line `viewer` may see, generation by generation, `visit` called with each
   * generation's parents before the next is read (the revoke ends a generation before looking below it,
   * invariant 2). Through keys revoked before, too (invariant 5); rolls can make a cycle (two keys each rolled the
   * other): each key is a parent once.
   */
  private async walkLine(
    viewer: Principal,
    id: number,
    now: { now: string },
    visit: (parents: number[]) => Promise<void>,
  ): Promise<Set<number>> {
    const seen = new Set([id])
    for (let parents = [id]; parents.length > 0;) {
      await visit(parents)
      parents = (await this.repo.childrenOf(viewer, parents, now)).filter((k) => !seen.has(k) && seen.add(k))
    }
    return seen
  }

  /**
   * Revokes key `id` (`KeyService.revoke`) and what its rolled-away secrets made: they ended with it. What its
   * current secret made lives on unless `revokeWithDescendants` is asked for (DESIGN "Keys record the key that made them").
   */
  async revoke(ctx: RequestContext, id: number, reason: string | null): Promise<{ key: ApiKey; descendants: number }> {
    const key = await this.keys.revoke(ctx, id, reason)
    return { key, descendants: await this.revokeGraceProducts(ctx, id, 'revoke') }
  }

  /**
   * Ends key `id`'s grace period (`KeyService.endGrace`), then revokes what its rolled-away secrets
   * made in a grace period cut short (`revokeGraceProducts`), with everything descending from those
   * (invariants 1, 3, 4, 5). It runs when there was nothing to end too, so a cascade a failure cut
   * short (after a roll, a revoke, a leak report) is finished by calling it. Keys the current secret
   * made live on.
   */
  async endGrace(ctx: RequestContext, id: number): Promise<{ key: ApiKey; descendants: number }> {
    const key = await this.keys.endGrace(ctx, id)
    return { key, descendants: await this.revokeGraceProducts(ctx, id, 'end-grace') }
  }

  /**
   * Rolls key `id` (`KeyService.roll`); a grace period the roll cut short takes what its secret made with it.
   * The roll has committed by then: its new secret reaches the caller even when that cascade fails (an
   * attacker's find: a 500 lost it, and with no grace period the key had no working secret). The failure is
   * reported; end-grace, or any later end of the key's secrets, finishes the cascade (invariant 4).
   * `mintedRevoked`: how many keys the cascade revoked (0: no grace period cut short), absent when it failed.
   */
  async roll(
    ctx: RequestContext,
    id: number,
    graceS: number,
  ): Promise<{ key: string; apiKey: ApiKey; mintedRevoked?: number }> {
    const { key, apiKey, cutShort } = await this.keys.roll(ctx, id, graceS)
    if (!cutShort) return { key, apiKey, mintedRevoked: 0 }
    const mintedRevoked = await this.revokeGraceProducts(ctx, id, 'roll').catch((e: unknown) => this.onError(e))
    return { key, apiKey, mintedRevoked: mintedRevoked ?? undefined }
  }

  /** Deletes key `id` (`KeyService.delete`); its secrets end with it, so do what its rolled-away ones made. */
  async delete(ctx: RequestContext, id: number): Promise<void> {
    await this.keys.delete(ctx, id)
    await this.revokeGraceProducts(ctx, id, 'delete') // `created_by_key_id` outlives the key it names
  }

  /**
   * A leak report (`KeyService.respondToLeak`); a leaked rolled-away secret takes what it made with it,
   * whoever owns those keys: anyone holding the secret may have made them (invariant 1).
   */
  async respondToLeak(found: { key: ApiKey; matchedPrevious: boolean }, action: LeakAction, report: LeakReport) {
    await this.keys.respondToLeak(found, action, report)
    if (found.matchedPrevious || action === 'revoke')
      await this.revokeGraceProducts({ principal: null, ip: report.ip }, found.key.id, 'leak report')
  }

  /**
   * Revokes what key `id`'s rolled-away secrets made in a grace period that was cut short (`madeInCutGrace`:
   * not one that ran its course, not the one running now), and everything descending from those, whoever
   * owns them (invariant 1). Their expiry is bounded by the grace end promised, so they would end then anyway.
   * `cutAt`: when the secrets ended (now, unless a deletion finished later ended them at its start).
   */
  async revokeGraceProducts(ctx: AuditContext, id: number, cause: GraceEnd, cutAt = this.clock.now()): Promise<number> {
    // No key id: the owners of these keys may not see the maker (`created_by_key_id` is hidden from them; a new user's find).
    const why = `made with a rolled-away secret whose grace period a ${cause} ended early`
    const cascade = { ctx, viewer: null, rootId: id, why }
    const cut = { graceCutAt: cutAt.toISOString() }
    const now = { now: this.clock.now().toISOString() }
    let descendants = (await this.revokeGeneration(cascade, [id], cut)).length
    const seen = new Set([id])
    for (let parents = await this.repo.childrenOf(null, [id], cut); parents.length > 0;) {
      descendants += (await this.revokeGeneration(cascade, parents, now)).length
      parents = (await this.repo.childrenOf(null, parents, now)).filter((k) => !seen.has(k) && seen.add(k))
    }
    return descendants
  }

  /**
   * After the line's logins ended (invariant 7): the live keys made through any key of `seen` since the walk read
   * them, and what those made. A login makes only while its stored session is (`isLiveMaker`, under `for share`),
   * so anything it made has committed by now and nothing more comes.
   */
  private async revokeMadeMeanwhile(cascade: Cascade, seen: Set<number>, now: Made): Promise<number> {
    let n = 0
    for (let parents = [...seen]; parents.length > 0;) {
      const revoked = await this.revokeGeneration(cascade, parents, now)
      n += revoked.length
      parents = revoked.filter((k) => !seen.has(k) && seen.add(k))
    }
    return n
  }

  /** Revokes the live children of `parents` (which count as made: `Made`), chunk by chunk; returns their ids. */
  private async revokeGeneration(cascade: Cascade, parents: number[], made: Made) {
    const { ctx, viewer, rootId, why } = cascade
    const ids: number[] = []
    // Keys revoked per transaction: short enough that one never holds SQLite's loop for long.
    const chunk = this.repo.chunk
    for (let i = 0; i < parents.length; i += chunk) {
      const slice = parents.slice(i, i + chunk)
      for (let n = chunk; n === chunk;) {
        const revoked = await this.repo.revokeChildren(viewer, slice, chunk, this.clock.now(), why, made)
        await this.cache.invalidate(revoked.flatMap((r) => r.hashes)) // invariant 3
        await this.audit.recordMany(
          ctx,
          'key.revoke',
          revoked.map((r) => ({
            target: { type: 'api_key', id: r.id, ownerActorId: r.actorId },
            details: { reason: why, created_by_key_id: r.createdByKeyId, root_key_id: rootId },
          })),
        )
        ids.push(...revoked.map((r) => r.id))
        n = revoked.length
        await yieldToLoop()
      }
    }
    return ids
  }
}
