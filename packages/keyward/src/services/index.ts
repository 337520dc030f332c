import type { Config } from '../config.js'
import { type Clock, systemClock } from '../core/clock.js'
import { ActorRepository } from '../store/actor-repository.js'
import { AuditRepository } from '../store/audit-repository.js'
import { RefreshTokenRepository } from '../store/refresh-token-repository.js'
import { SessionRepository } from '../store/session-repository.js'
import { ODataRepository } from '../store/odata/query.js'
import { AuditLog } from './auth/audit-log.js'
import { AuditService } from './auth/audit-service.js'
import { AuthService } from './auth/auth-service.js'
import { LoginThrottle } from './auth/login-throttle.js'
import { PasswordLogin } from './auth/password-login.js'
import { PasswordHasher } from './auth/passwords.js'
import { SessionCache } from './auth/session-cache.js'
import { DeviceRegistration } from './keys/device-registration.js'
import { ExpirySweeper } from './keys/expiry-sweeper.js'
import { GithubScanningKeys } from './events/github-scanning-keys.js'
import { LeakResponse } from './events/leak-response.js'
import { KeyService } from './keys/key-service.js'
import { OwnerService } from './auth/owner-service.js'
import { ODataService } from './keys/odata-service.js'
import { TokenService } from './auth/token-service.js'
import type { InvalidationBus } from './cluster/invalidation-bus.js'
import type { KeyRateLimiter } from './cluster/rate-limiter.js'
import { UsageService } from './keys/usage-service.js'
import { UserService } from './auth/user-service.js'
import type { Store } from '../store/database.js'
import type { UsageRecorder } from './keys/usage-recorder.js'
import type { VerifyCache } from './keys/verify-cache.js'
import type { Verifier } from './keys/verifier.js'
import { IdentityAccess } from './policies/identity-access.js'
import { IdentityService } from './policies/identity-service.js'
import { openVerifyStack } from './verify-stack.js'

/** Everything the faces call, wired over one store. */
export interface Services {
  store: Store
  clock: Clock
  auth: AuthService
  /** Refresh-token sessions and Realm access tokens (Realm and Fluxbase faces). */
  tokens: TokenService
  keys: KeyService
  users: UserService
  owners: OwnerService
  audit: AuditService
  verifier: Verifier
  cache: VerifyCache
  usage: UsageRecorder
  /** Per-day verification counts of a key. */
  keyUsage: UsageService
  /** The OData view (balena face): queries over keys, actors, users, applications, devices. */
  odata: ODataService
  /** Devices registering themselves with a provisioning key (balena-register-device). */
  deviceRegistration: DeviceRegistration
  /** Tells other nodes about key writes (local on SQLite). */
  bus: InvalidationBus
  /** Per-key rate limits (memory, Redis or PostgreSQL). */
  limiter: KeyRateLimiter
  /** Leaked secrets: GitHub secret-scanning reports and self-reports. */
  leaks: LeakResponse
  /** Deletes expired sessions and refresh tokens periodically (stopped by `close`). */
  sweeper: ExpirySweeper
  /** Identities: shared limits and credits of one customer's keys. */
  identities: IdentityService
  /** Where background failures go (usage flushes, the invalidation bus): the server's log. */
  setErrorHandler(onError: (e: unknown) => void): void
  /** Flushes batched writes and closes the database. */
  close(): Promise<void>
}

export interface ServiceOptions {
  clock?: Clock
  onBackgroundError?: (e: unknown) => void
}

/** Opens the store, migrates it, and wires the use cases. */
export async function createServices(config: Config, opts: ServiceOptions = {}): Promise<Services> {
  const clock = opts.clock ?? systemClock
  const stack = await openVerifyStack(config, {
    clock,
    migrate: true,
    role: 'server',
    budgetUnknownKeys: true,
    onError: opts.onBackgroundError,
    budgets: config,
  })
  let onError = opts.onBackgroundError ?? (() => {})
  const { store, keyRepo, identityRepo, usageRepo, cache, usage, verifier, bus, limiter } = stack
  const actors = new ActorRepository(store.db)
  const auditRepo = new AuditRepository(store.db, store.readDb)
  const auditLog = new AuditLog(auditRepo, clock)
  const sessions = new SessionRepository(store.db)
  const hasher = new PasswordHasher(config.passwordScryptN)
  const passwordLogin = new PasswordLogin(actors, hasher, new LoginThrottle(limiter), auditLog)
  const sessionCache = new SessionCache(sessions, actors, cache, verifier, clock)
  const auth = new AuthService(
    actors,
    sessions,
    verifier,
    sessionCache,
    auditLog,
    clock,
    config.sessionTtlS,
    passwordLogin,
  )
  const refreshTokens = new RefreshTokenRepository(store.db)
  const sweeper = new ExpirySweeper(sessions, refreshTokens, clock, (e) => onError(e))
  sweeper.start()
  const identityAccess = new IdentityAccess(identityRepo, actors)
  const keys = new KeyService(keyRepo, actors, cache, auditLog, clock, identityAccess)
  const owners = new OwnerService(actors, auditLog, clock)
  return {
    store,
    clock,
    cache,
    usage,
    verifier,
    bus,
    limiter,
    sweeper,
    auth,
    tokens: new TokenService(auth, actors, refreshTokens, auditLog, clock, config.realmAnonymous),
    keys,
    identities: new IdentityService(identityRepo, identityAccess, keyRepo, cache, auditLog, clock),
    keyUsage: new UsageService(keys, usageRepo, clock),
    users: new UserService(actors, keyRepo, auditLog, clock, hasher),
    owners,
    odata: new ODataService(new ODataRepository(store.readDb, store.dialect), keys, clock),
    deviceRegistration: new DeviceRegistration(owners, keys, verifier),
    leaks: new LeakResponse(
      keyRepo,
      keys,
      config.leakAction,
      config.githubScanningKeysFile ? new GithubScanningKeys(config.githubScanningKeysFile) : null,
      limiter,
    ),
    audit: new AuditService(auditRepo),
    setErrorHandler(handler) {
      onError = handler
      stack.setErrorHandler(handler)
    },
    /** The sweeper first (it writes to the store), then the verification stack in its own order. */
    async close() {
      await sweeper.stop()
      await stack.close()
    },
  }
}
