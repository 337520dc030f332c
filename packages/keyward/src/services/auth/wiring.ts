import type { Config } from '../../config.js'
import type { Clock } from '../../core/clock.js'
import { ActorRepository } from '../../store/actor-repository.js'
import { AuditRepository } from '../../store/audit-repository.js'
import { OrgRepository } from '../../store/org-repository.js'
import { RefreshTokenRepository } from '../../store/refresh-token-repository.js'
import { SessionRepository } from '../../store/session-repository.js'
import { UserLifecycleRepository } from '../../store/user-lifecycle-repository.js'
import { OrgDirectory } from '../orgs/org-directory.js'
import type { VerifyStack } from '../verify-stack.js'
import { AuditLog } from './audit-log.js'
import { AuthService } from './auth-service.js'
import { LoginThrottle } from './login-throttle.js'
import { PasswordLogin } from './password-login.js'
import { PasswordHasher } from './passwords.js'
import { SessionCache } from './session-cache.js'
import { UserLifecycle } from './user-lifecycle.js'
import type { GraceCascade } from '../keys/key-lineage.js'
import { UserService } from './user-service.js'

/**
 * People and their sessions over one verify stack: what every other domain's wiring takes. The
 * organization repository and directory are made here because sessions read memberships
 * (`SessionCache`); the organization services reuse them (`createOrgServices`).
 */
export interface AuthServices {
  actors: ActorRepository
  auditRepo: AuditRepository
  auditLog: AuditLog
  sessions: SessionRepository
  refreshTokens: RefreshTokenRepository
  orgRepo: OrgRepository
  orgDirectory: OrgDirectory
  sessionCache: SessionCache
  auth: AuthService
  users: UserService
  userLifecycle: UserLifecycle
}

type AuthConfig = Pick<Config, 'passwordScryptN' | 'sessionTtlS'>

/**
 * Wires users, logins and sessions; `onError` takes the background failures of user deletions,
 * `graceCascade` what a deleted user's rolled-away secrets made (the key services, wired after these).
 */
export function createAuthServices(
  stack: VerifyStack,
  config: AuthConfig,
  clock: Clock,
  onError: (e: unknown) => void,
  graceCascade: GraceCascade,
): AuthServices {
  const { store, keyRepo, cache, verifier, limiter } = stack
  const actors = new ActorRepository(store.db, store.dialect)
  const auditRepo = new AuditRepository(store.db, store.readDb)
  const auditLog = new AuditLog(auditRepo, clock)
  const sessions = new SessionRepository(store.db)
  const hasher = new PasswordHasher(config.passwordScryptN)
  const passwordLogin = new PasswordLogin(actors, hasher, new LoginThrottle(limiter), auditLog)
  const orgRepo = new OrgRepository(store.db, store.dialect, store.readDb)
  const orgDirectory = new OrgDirectory(orgRepo)
  const sessionCache = new SessionCache(sessions, actors, cache, verifier, clock, orgRepo)
  const lifecycleRepo = new UserLifecycleRepository(store.db, store.dialect)
  return {
    actors,
    auditRepo,
    auditLog,
    sessions,
    refreshTokens: new RefreshTokenRepository(store.db),
    orgRepo,
    orgDirectory,
    sessionCache,
    auth: new AuthService(actors, sessions, verifier, sessionCache, auditLog, clock, config.sessionTtlS, passwordLogin),
    users: new UserService(actors, keyRepo, auditLog, clock, hasher),
    userLifecycle: new UserLifecycle(
      actors,
      lifecycleRepo,
      keyRepo,
      sessionCache,
      passwordLogin,
      hasher,
      auditLog,
      clock,
      graceCascade,
      onError,
    ),
  }
}
