import type { Config } from '../config.js'
import { type Clock, systemClock } from '../core/clock.js'
import { ActorRepository } from '../store/actor-repository.js'
import { AuditRepository } from '../store/audit-repository.js'
import { RefreshTokenRepository } from '../store/refresh-token-repository.js'
import { SessionRepository } from '../store/session-repository.js'
import { WebhookOutbox } from '../store/webhook-outbox.js'
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
import { chunkPacerFor } from './keys/chunked-writes.js'
import { GithubScanningKeys } from './events/github-scanning-keys.js'
import { LeakReportRepository } from '../store/leak-reports.js'
import { LeakResponse } from './events/leak-response.js'
import { KeyService } from './keys/key-service.js'
import { KeyLineage } from './keys/key-lineage.js'
import { KeyLineageRepository } from '../store/key-lineage-repository.js'
import { OwnerService } from './auth/owner-service.js'
import { ODataService } from './keys/odata-service.js'
import { TokenService } from './auth/token-service.js'
import type { InvalidationBus } from './cluster/invalidation-bus.js'
import type { KeyRateLimiter } from './cluster/rate-limiter.js'
import { UsageService } from './keys/usage-service.js'
import { KeyImporter } from './keys/key-import.js'
import { ChosenSecrets } from './keys/chosen-secrets.js'
import { UserService } from './auth/user-service.js'
import { UserLifecycle } from './auth/user-lifecycle.js'
import { UserLifecycleRepository } from '../store/user-lifecycle-repository.js'
import type { Store } from '../store/database.js'
import type { UsageRecorder } from './keys/usage-recorder.js'
import type { VerifyCache } from './keys/verify-cache.js'
import type { Verifier } from './keys/verifier.js'
import type { KeywardMetrics } from './metrics/metrics.js'
import { type SpanSink, type Tracing, startTracing } from './tracing/tracing.js'
import { IdentityAccess } from './policies/identity-access.js'
import { IdentityService } from './policies/identity-service.js'
import { openVerifyStack } from './verify-stack.js'
import { openWebhooks } from './webhooks/wiring.js'
import type { WebhookDispatcher } from './webhooks/dispatcher.js'
import type { WebhookService } from './webhooks/webhook-service.js'
import type { KeyEventSweeper } from './webhooks/key-sweeper.js'
import { OrgRepository } from '../store/org-repository.js'
import { OrgDirectory } from './orgs/org-directory.js'
import { type OrgServices, createOrgServices } from './orgs/index.js'

/** Everything the faces call, wired over one store. */
export interface Services {
  store: Store
  clock: Clock
  auth: AuthService
  /** Refresh-token sessions and Realm access tokens (Realm and Fluxbase faces). */
  tokens: TokenService
  keys: KeyService
  /** Revoking a key with the keys it made (`created_by_key_id`). */
  keyLineage: KeyLineage
  /** `POST /v1/keys/import`: keys made elsewhere, by plaintext or hash. */
  keyImport: KeyImporter
  users: UserService
  /** Passwords, instance roles, deactivation and deletion of users (issue 14). */
  userLifecycle: UserLifecycle
  owners: OwnerService
  /** Organizations, memberships, invitations (services/orgs/). */
  orgs: OrgServices
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
  /** Prometheus metrics of the verification stack (the HTTP layer adds its request histogram). */
  metrics: KeywardMetrics
  /** Leaked secrets: GitHub secret-scanning reports and self-reports. */
  leaks: LeakResponse
  /** Deletes expired sessions and refresh tokens periodically (stopped by `close`). */
  sweeper: ExpirySweeper
  /** Spans of requests, verifications and queries (`OTEL_EXPORTER_OTLP_ENDPOINT`); null: tracing is off. */
  tracing: Tracing | null
  /** Signed webhooks: subscriptions and their deliveries. */
  webhooks: WebhookService
  /** Sends the event outbox to webhooks (stopped by `close`, first). */
  webhookDispatcher: WebhookDispatcher
  /** Emits `key.expiring`, `key.expired`, `key.idle`, `key.usage_low` (stopped by `close`). */
  keyEventSweeper: KeyEventSweeper
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
  /** Where spans go instead of the OTLP endpoint (tests: the SDK's `InMemorySpanExporter`); turns tracing on. */
  spanSink?: SpanSink
}

/** Opens the store, migrates it, and wires the use cases. */
export async function createServices(config: Config, opts: ServiceOptions = {}): Promise<Services> {
  const clock = opts.clock ?? systemClock
  const tracing = await startTracing(config.tracing, opts.spanSink)
  const stack = await openVerifyStack(config, {
    clock,
    migrate: true,
    role: 'server',
    budgetUnknownKeys: true,
    onError: opts.onBackgroundError,
    budgets: config,
    tracing,
  }).catch(async (e: unknown) => {
    await tracing?.shutdown()
    throw e
  })
  let onError = opts.onBackgroundError ?? (() => {})
  const { store, keyRepo, identityRepo, usageRepo, cache, usage, verifier, bus, limiter, metrics } = stack
  const actors = new ActorRepository(store.db)
  const auditRepo = new AuditRepository(store.db, store.readDb)
  const auditLog = new AuditLog(auditRepo, clock)
  const sessions = new SessionRepository(store.db)
  const hasher = new PasswordHasher(config.passwordScryptN)
  const passwordLogin = new PasswordLogin(actors, hasher, new LoginThrottle(limiter), auditLog)
  const orgRepo = new OrgRepository(store.db, store.dialect, store.readDb)
  const orgDirectory = new OrgDirectory(orgRepo)
  const sessionCache = new SessionCache(sessions, actors, cache, verifier, clock, orgRepo)
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
  const userLifecycle = new UserLifecycle(
    actors,
    new UserLifecycleRepository(store.db, store.dialect),
    keyRepo,
    sessionCache,
    passwordLogin,
    hasher,
    auditLog,
    clock,
    (e) => onError(e),
  )
  const sweeper = new ExpirySweeper(
    sessions,
    refreshTokens,
    clock,
    () => userLifecycle.finishDeletions(),
    {
      outbox: new WebhookOutbox(store.db, store.dialect),
      retentionMs: config.webhookRetentionDays * 86_400_000,
      pacer: chunkPacerFor(store.dialect),
    },
    (e) => onError(e),
  )
  sweeper.start()
  const identityAccess = new IdentityAccess(identityRepo, actors)
  const chosen = new ChosenSecrets(limiter, config.secretRefusalsPerHour, keyRepo, auditLog)
  const keys = new KeyService(keyRepo, actors, cache, auditLog, clock, identityAccess, chosen)
  const owners = new OwnerService(actors, auditLog, clock, orgDirectory)
  const hooks = openWebhooks(store, actors, refreshTokens, auditLog, clock, config, (e) => onError(e))
  const users = new UserService(actors, keyRepo, auditLog, clock, hasher)
  const orgs = createOrgServices({
    config,
    orgRepo,
    db: store.db,
    readDb: store.readDb,
    dialect: store.dialect,
    directory: orgDirectory,
    actors,
    keyRepo,
    users,
    sessionCache,
    cache,
    audit: auditLog,
    clock,
  })
  return {
    store,
    clock,
    cache,
    usage,
    verifier,
    bus,
    limiter,
    metrics,
    tracing,
    sweeper,
    auth,
    tokens: new TokenService(auth, actors, refreshTokens, auditLog, clock, config.realmAnonymous),
    keys,
    keyLineage: new KeyLineage(keys, new KeyLineageRepository(store.db, store.dialect), cache, auditLog, clock),
    keyImport: new KeyImporter(keys, keyRepo, cache, auditLog, clock, chosen),
    identities: new IdentityService(identityRepo, identityAccess, keyRepo, cache, auditLog, clock),
    keyUsage: new UsageService(keys, usageRepo, clock),
    users,
    userLifecycle,
    owners,
    orgs,
    odata: new ODataService(new ODataRepository(store.readDb, store.dialect), keys, clock),
    deviceRegistration: new DeviceRegistration(owners, keys, verifier, chosen),
    leaks: new LeakResponse(
      keyRepo,
      keys,
      config.leakAction,
      config.githubScanningKeysFile ? new GithubScanningKeys(config.githubScanningKeysFile) : null,
      limiter,
      new LeakReportRepository(store.db),
      clock,
    ),
    audit: new AuditService(auditRepo),
    webhooks: hooks.service,
    webhookDispatcher: hooks.dispatcher,
    keyEventSweeper: hooks.sweeper,
    setErrorHandler(handler) {
      onError = handler
      stack.setErrorHandler(handler)
    },
    /** The sweeper and webhook dispatcher first (they write to the store), then the verification stack in its own order. */
    async close() {
      await hooks.sweeper.stop()
      await hooks.dispatcher.stop()
      await sweeper.stop()
      await userLifecycle.close()
      orgs.close()
      await stack.close()
      await tracing?.shutdown() // last: exports the spans of the shutdown too
    },
  }
}
