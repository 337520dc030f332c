import { createHash } from 'node:crypto'
import { KeywardError } from '../../core/errors.js'
import type { User } from '../../core/types.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import type { AuditLog } from './audit-log.js'
import type { LoginThrottle } from './login-throttle.js'
import type { PasswordHasher } from './passwords.js'

/**
 * Checks a login name and password, for every face that takes passwords (native login,
 * balena `/login_`, Realm local-userpass, Fluxbase sign-in). Order matters:
 * 1. the account is resolved first, so email and username count as one account;
 * 2. the attempt is reserved in the throttle before the (slow) hash, so racing requests are counted;
 * 3. an unknown name costs a hash too, and is throttled under its own name, so neither timing
 *    nor throttling tells which accounts exist;
 * 4. a hash made with older parameters is replaced after a successful check;
 * 5. a deactivated account is said so only to whoever knows its password (a guess gets the 401);
 * 6. the hash checked is returned with the user, for the face to confirm after it stored the login
 *    (`AuthService.confirmLogin`): a password cleared or changed meanwhile ends what it opened.
 */
export class PasswordLogin {
  constructor(
    private readonly actors: ActorRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditLog,
  ) {}

  /** The user with these credentials and the hash they matched; 401 when wrong, 429 when throttled. */
  async check(login: string, password: string, ip: string | null): Promise<CheckedLogin> {
    const name = login.trim().toLowerCase()
    const found = await this.actors.findUserForLogin(name)
    const account = found ? `user:${found.user.id}` : `name:${createHash('sha256').update(name).digest('base64url')}`
    const reservation = await this.throttle.reserve(account, ip ?? 'unknown')
    const ok = await this.hasher.verify(password, found?.passwordHash ?? (await this.hasher.dummyHash()))
    if (!found || !ok) {
      await this.audit.record({ principal: null, ip }, 'auth.login_failed', {
        type: 'user',
        id: found?.user.id ?? null,
        ownerActorId: found?.user.actorId ?? null,
      })
      throw new KeywardError('unauthorized', 'invalid email or password')
    }
    if (found.user.deactivatedAt !== null)
      throw new KeywardError('account_deactivated', 'this account is deactivated; ask an administrator')
    await this.throttle.succeeded(reservation)
    // Read after the hash: a change between them is a new hash, which the face's confirmation refuses (invariant 6).
    const line = await this.actors.passwordLineOf(found.user.id)
    if (!this.hasher.needsRehash(found.passwordHash)) return { ...found, line }
    const rehashed = await this.hasher.hash(password)
    if (await this.actors.replacePasswordHash(found.user.id, found.passwordHash, rehashed))
      return { user: found.user, passwordHash: rehashed, line }
    const now = await this.rehashedMeanwhile(found.user.id, password, found.passwordHash)
    return { user: found.user, passwordHash: now, line }
  }

  /**
   * The hash another login stored by rehashing the same password (invariant 6: the one to confirm), or `checked` when
   * the password itself changed. Without it, two of three concurrent logins with a hash to upgrade were undone (401):
   * each saw the other's rehash as a change (an attacker's find).
   */
  private async rehashedMeanwhile(userId: number, password: string, checked: string): Promise<string> {
    const now = await this.actors.passwordHashOf(userId)
    return now && (await this.hasher.verify(password, now)) ? now : checked
  }
}

/** A user whose password was checked, and the stored hash it matched (invariant 6). */
export interface CheckedLogin {
  user: User
  passwordHash: string
  /**
   * The keys that password was made through (`key-origins.ts` invariant 7; empty: none), for the face to store
   * with the login it opens: what the login makes is made through them.
   */
  line: readonly number[]
}
