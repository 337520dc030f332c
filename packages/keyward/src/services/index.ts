import type { Config } from '../config.js'
import { type Clock, systemClock } from '../core/clock.js'
import { WebhookOutbox } from '../store/webhook-outbox.js'
import { AuditService } from './auth/audit-service.js'
import type { AuthService } from './auth/auth-service.js'
import type { DeviceRegistration } from './keys/device-registration.js'
import { ExpirySweeper } from './keys/expiry-sweeper.js'
import { chunkPacerFor } from './keys/chunked-writes.js'
import type { LeakResponse } from './events/leak-response.js'
import type { KeyService } from './keys/key-service.js'
import type { GraceCascade, KeyLineage } from './keys/key-lineage.js'
import type { OwnerService } from './auth/owner-service.js'
import type { ODataService } from './keys/odata-service.js'
import { TokenService } from './auth/token-service.js'
import type { InvalidationBus } from './cluster/invalidation-bus.js'
import type { KeyRateLimiter } from './cluster/rate-limiter.js'
import type { UsageService } from './keys/usage-service.js'
import type { KeyImporter } from './keys/key-import.js'
import type { UserService } from './auth/user-service.js'
import type { UserLifecycle } from './auth/user-lifecycle.js'
import type { Store } from '../store/database.js'
import type { UsageRecorder } from './keys/usage-recorder.js'
import type { VerifyCache } from './keys/verify-cache.js'
import type { Verifier } from './keys/verifier.js'
import type { KeywardMetrics } from './metrics/metrics.js'
import { type SpanSink, type Tracing, startTracing } from './tracing/tracing.js'
import type { IdentityService } from './policies/identity-service.js'
import { type VerifyStack, openVerifyStack } from './verify-stack.js'
import { type AuthServices, createAuthServices } from './auth/wiring.js'
import { createKeyServices } from './keys/wiring.js'
import { openWebhooks } from './webhooks/wiring.js'
import type { WebhookDispatcher } from './webhooks/dispatcher.js'
import type { WebhookService } from './webhooks/webhook-service.js'
import type { KeyEventSweeper } from './webhooks/key-sweeper.js'
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
  const stack = await openServerStack(config, clock, tracing, opts.onBackgroundError)
  let onError = opts.onBackgroundError ?? (() => {})
  // Read at each failure, not now: `setErrorHandler` replaces `onError` once the server's log exists.
  const report = (e: unknown) => onError(e)
  // Read at each deletion, not now: the key services are wired after the people they serve, in this same turn.
  const graceCascade: GraceCascade = { revokeGraceProducts: (...a) => keyServices.keyLineage.revokeGraceProducts(...a) }
  const people = createAuthServices(stack, config, clock, report, graceCascade)
  const { actors, auditLog, refreshTokens, userLifecycle } = people
  const keyServices = createKeyServices(stack, people, config, clock, report)
  const sweeper = startExpirySweeper(stack.store, people, config, clock, report)
  const hooks = openWebhooks(stack.store, actors, refreshTokens, auditLog, clock, config, report)
  const orgs = orgServicesOf(stack, people, config, clock)
  const { store, cache, usage, verifier, bus, limiter, metrics } = stack
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
    orgs,
    auth: people.auth,
    users: people.users,
    userLifecycle,
    audit: new AuditService(people.auditRepo, stack.keyRepo),
    tokens: new TokenService(people.auth, actors, refreshTokens, auditLog, clock, config.realmAnonymous),
    ...keyServices,
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

/** Organizations, memberships and invitations over the stack and the people services. */
function orgServicesOf(stack: VerifyStack, people: AuthServices, config: Config, clock: Clock): OrgServices {
  const { store, keyRepo, cache, limiter } = stack
  return createOrgServices({
    config,
    orgRepo: people.orgRepo,
    db: store.db,
    readDb: store.readDb,
    dialect: store.dialect,
    directory: people.orgDirectory,
    actors: people.actors,
    keyRepo,
    users: people.users,
    sessionCache: people.sessionCache,
    cache,
    audit: people.auditLog,
    clock,
    limiter,
  })
}

/** The server's verify stack, migrated; tracing is shut down again when it cannot open. */
async function openServerStack(
  config: Config,
  clock: Clock,
  tracing: Tracing | null,
  onError: ((e: unknown) => void) | undefined,
): Promise<VerifyStack> {
  const opts = {
    clock,
    migrate: true,
    role: 'server' as const,
    budgetUnknownKeys: true,
    budgets: config,
    onError,
    tracing,
  }
  return openVerifyStack(config, opts).catch(async (e: unknown) => {
    await tracing?.shutdown()
    throw e
  })
}

/** Deletes expired sessions, refresh tokens and old deliveries, and finishes user deletions (stopped by `close`). */
function startExpirySweeper(
  store: Store,
  people: AuthServices,
  config: Config,
  clock: Clock,
  onError: (e: unknown) => void,
): ExpirySweeper {
  const outbox = new WebhookOutbox(store.db, store.dialect)
  const deliveries = {
    outbox,
    retentionMs: config.webhookRetentionDays * 86_400_000,
    pacer: chunkPacerFor(store.dialect),
  }
  const finishDeletions = () => people.userLifecycle.finishDeletions()
  const sweeper = new ExpirySweeper(people.sessions, people.refreshTokens, clock, finishDeletions, deliveries, onError)
  sweeper.start()
  return sweeper
}
