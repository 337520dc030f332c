import { isIP } from 'node:net'
import { KeywardError } from './core/errors.js'

/** Everything Keyward reads from its environment, validated once and frozen. */
export interface Config {
  readonly host: string
  readonly port: number
  /** `sqlite:<path>` (or `sqlite::memory:`) or `postgres://…` */
  readonly databaseUrl: string
  readonly redisUrl: string | null
  readonly adminEmail: string | null
  readonly adminPassword: string | null
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Public origin used in documents that must name this server (OpenAPI, Realm location). */
  readonly publicUrl: string | null
  readonly sessionTtlS: number
  /** Verify cache: entries kept, and how long an unknown key is remembered as unknown. */
  readonly cacheSize: number
  readonly negativeCacheTtlMs: number
  /**
   * NOT_FOUND answers of the verify endpoint per caller (owner) and node: a bucket of `unknownKeyBurst`
   * refilled at `unknownKeyRatePerS`; a caller who spent it gets RATE_LIMITED without a query. 0: unlimited.
   */
  readonly unknownKeyRatePerS: number
  readonly unknownKeyBurst: number
  /**
   * Secrets a caller chose (an import, a balena device key) refused because a key holds them, per
   * person and hour, in the shared limiter store: a refusal says a secret exists somewhere, so it
   * is spent like the verify budget (`ChosenSecrets`). 0: unlimited.
   */
  readonly secretRefusalsPerHour: number
  /** How often batched `last_used_at` writes are flushed. */
  readonly usageFlushMs: number
  readonly bodyLimitBytes: number
  /**
   * Longest a client may take to send a whole request, headers and body (408, connection closed).
   * Fastify turns Node's 300 s off (0): a body that stopped halfway held its connection for good.
   */
  readonly requestTimeoutMs: number
  /**
   * Which X-Forwarded-For entries to believe (audit IPs, login throttling): `false` (none,
   * the socket's address), a hop count (`1`: the address the one proxy in front appended),
   * or the addresses/CIDRs of trusted proxies. Never "all": any client could then pick its IP.
   */
  readonly trustProxy: TrustProxy
  /** Where per-key rate-limit counters live; `auto`: Redis if configured, else PostgreSQL if the store is, else memory. */
  readonly rateLimitStore: RateLimitStore
  /** How nodes tell each other about key writes; `auto`: Redis if configured, else PostgreSQL if the store is, else local. */
  readonly invalidationBus: InvalidationBusKind
  /** Time to live of cached keys while the invalidation bus is down (or absent for a separate process). */
  readonly cacheFallbackTtlMs: number
  /** Prefix of Keyward's Redis keys and channel, so deployments can share one Redis. */
  readonly redisPrefix: string
  /** GitHub's secret-scanning public keys (the JSON GitHub serves); null: the leak intake is off (404). */
  readonly githubScanningKeysFile: string | null
  /** The level of `POST /v1/keys/verify`'s access lines below 400: `info` (default) or `debug` (`http/access-log.ts`). */
  readonly verifyAccessLog: 'info' | 'debug'
  /** What a reported leak does to a live key: revoke it (default), disable it, or only record it. */
  readonly leakAction: LeakAction
  /** scrypt cost N of new password hashes (a power of two, at least 2^14); older hashes are upgraded at login. */
  readonly passwordScryptN: number
  /** Realm's `anon-user` provider (`KEYWARD_REALM_ANONYMOUS=1`): off by default, since anyone may call it. */
  readonly realmAnonymous: boolean
  /**
   * Longest one heavy read (listing, search, OData, audit, usage history) may run, and wait
   * for a reader, before the request is refused (`query_too_expensive`, or 503 when all readers are busy).
   */
  readonly readBudgetMs: number
  /** SQLite reader processes, or PostgreSQL connections reserved for heavy reads. */
  readonly readPoolSize: number
  /** PostgreSQL `statement_timeout` of every other statement: verify lookups and writes. */
  readonly statementTimeoutMs: number
  /**
   * Bearer token that `GET /metrics` requires (on the public port, and on the metrics port too).
   * null: the public port answers `/metrics` with 404, so metrics are never public by default.
   */
  readonly metricsToken: string | null
  /** A second listener serving only `/metrics` (null: none), on `metricsHost` (loopback by default). */
  readonly metricsPort: number | null
  readonly metricsHost: string
  /**
   * OTLP/HTTP collector (`OTEL_EXPORTER_OTLP_ENDPOINT`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
   * as the full traces URL): tracing is on when set, and no OpenTelemetry SDK is loaded otherwise.
   */
  readonly tracing: TracingConfig | null
  /**
   * Encrypts webhook signing secrets at rest (any string of at least 32 characters, kept outside
   * the database); null: a random key generated into the database (DESIGN.md, "Webhooks").
   */
  readonly webhookKey: string | null
  /** Allow webhook targets on loopback, link-local and private addresses (`KEYWARD_WEBHOOK_ALLOW_PRIVATE=1`; tests, labs). */
  readonly webhookAllowPrivate: boolean
  /** Longest one webhook delivery attempt may take (connect to last byte). */
  readonly webhookTimeoutMs: number
  /**
   * Finished webhook deliveries (their status, response, error) and the events behind them are
   * kept this many days, then deleted (`ExpirySweeper`); at least 2, beyond the 24 h retry window.
   */
  readonly webhookRetentionDays: number
  /** `key.expiring` is emitted this many days before a key expires (once per key and expiry date). */
  readonly expiryWarningDays: number
  /** `key.idle` is emitted for a key not verified for this many days (since creation if never). */
  readonly idleDays: number
  /** Where invitations are mailed (`smtp://…`, `smtps://…`); null: not mailed, the token is only answered. */
  readonly smtpUrl: string | null
  /** The From address of those mails. */
  readonly smtpFrom: string
  /** How long an organization invitation stays acceptable. */
  readonly invitationTtlS: number
}

/** Where spans go and what the service is called in them. */
export interface TracingConfig {
  /** The full URL spans are POSTed to (`…/v1/traces`). */
  readonly tracesUrl: string
  readonly serviceName: string
}

export type LeakAction = 'revoke' | 'disable' | 'notify'
export type TrustProxy = false | number | string[]
export type RateLimitStore = 'auto' | 'memory' | 'redis' | 'postgres'
export type InvalidationBusKind = 'auto' | 'local' | 'redis' | 'postgres'

export type ConfigFlags = Partial<
  Record<'host' | 'port' | 'databaseUrl' | 'redisUrl' | 'logLevel' | 'publicUrl', string>
>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** A setting is named as it was given, flag or variable: the variable was named for a mistyped flag (a new user's find). */
const givenAs = (flagValue: unknown, flag: string, variable: string) => (flagValue === undefined ? variable : flag)

function int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new KeywardError('validation_failed', `${name} must be an integer between ${min} and ${max}, got "${raw}"`)
  }
  return n
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T {
  const v = raw || allowed[0]!
  if (!(allowed as readonly string[]).includes(v))
    throw new KeywardError('validation_failed', `${name} must be one of ${allowed.join(', ')}`)
  return v as T
}

/** An IPv4/IPv6 address with an optional prefix length (`10.0.0.0/8`, `::1`). */
function isAddressOrCidr(s: string): boolean {
  const [addr = '', bits, extra] = s.split('/')
  const family = isIP(addr)
  if (family === 0 || extra !== undefined) return false
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
}

/** OWASP's scrypt advice (N=2^17, r=8, p=1): 128 MiB and a few hundred ms per hash on a server core. */
const DEFAULT_SCRYPT_N = 131072

/** A power of two between 2^14 (the cost before 2026-11) and 2^20. */
function scryptCost(raw: string | undefined): number {
  const n = int('KEYWARD_PASSWORD_SCRYPT_N', raw, DEFAULT_SCRYPT_N, 16384, 1 << 20)
  if ((n & (n - 1)) !== 0)
    throw new KeywardError('validation_failed', `KEYWARD_PASSWORD_SCRYPT_N must be a power of two, got "${raw}"`)
  return n
}

/** `0`/`false`/unset: off; `true` or `n`: n hops (`true` is 1); else a comma-separated list of proxy addresses/CIDRs. */
function bool(raw: string | undefined): boolean {
  return raw === '1' || raw === 'true' || raw === 'yes'
}

function trustProxy(raw: string | undefined): TrustProxy {
  const v = (raw ?? '').trim().toLowerCase()
  if (v === '' || v === '0' || v === 'false' || v === 'no') return false
  if (v === 'true' || v === 'yes') return 1
  if (/^\d+$/.test(v)) return int('KEYWARD_TRUST_PROXY', v, 1, 1, 100)
  const list = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
  if (list.length === 0 || !list.every(isAddressOrCidr)) {
    throw new KeywardError(
      'validation_failed',
      `KEYWARD_TRUST_PROXY must be a hop count (1 = one proxy) or a comma-separated list of proxy addresses/CIDRs, got "${raw}"`,
    )
  }
  return list
}

/** At least 16 characters: the token is the only thing between the public port and the metrics. */
function metricsToken(raw: string | undefined): string | null {
  if (!raw) return null
  if (raw.length < 16 || /\s/.test(raw))
    throw new KeywardError('validation_failed', 'KEYWARD_METRICS_TOKEN must be at least 16 characters, without spaces')
  return raw
}

/** OpenTelemetry's variables: the base endpoint gets `/v1/traces` appended, the traces one is used as is. */
function tracing(env: Record<string, string | undefined>): TracingConfig | null {
  if (bool(env.OTEL_SDK_DISABLED)) return null
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT
  const tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (base ? base.replace(/\/+$/, '') + '/v1/traces' : '')
  if (!tracesUrl) return null
  if (!URL.canParse(tracesUrl) || !/^https?:$/.test(new URL(tracesUrl).protocol))
    throw new KeywardError(
      'validation_failed',
      `OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got "${tracesUrl}"`,
    )
  return { tracesUrl, serviceName: env.OTEL_SERVICE_NAME || 'keyward' }
}

/** A key-encryption secret long enough to carry 256 bits (e.g. `openssl rand -base64 32`). */
function webhookKey(raw: string | undefined): string | null {
  if (!raw) return null
  if (raw.length < 32) throw new KeywardError('validation_failed', 'KEYWARD_WEBHOOK_KEY must be at least 32 characters')
  return raw
}

/**
 * Builds the configuration from environment variables and CLI flags (flags win).
 * Pure: the caller passes `process.env`, so tests pass plain objects.
 */
export function loadConfig(env: Record<string, string | undefined>, flags: ConfigFlags = {}): Config {
  const logLevel = flags.logLevel ?? env.KEYWARD_LOG_LEVEL ?? 'info'
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    const given = givenAs(flags.logLevel, '--log-level', 'KEYWARD_LOG_LEVEL')
    throw new KeywardError('validation_failed', `${given} must be one of ${LOG_LEVELS.join(', ')}`)
  }
  const databaseUrl = flags.databaseUrl ?? env.KEYWARD_DATABASE_URL ?? 'sqlite:./data/keyward.db'
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    const given = givenAs(flags.databaseUrl, '--database-url', 'KEYWARD_DATABASE_URL')
    throw new KeywardError('validation_failed', `${given} must start with sqlite: or postgres:// (sqlite:<path>)`)
  }
  return Object.freeze({
    host: flags.host ?? env.KEYWARD_HOST ?? '127.0.0.1',
    port: int(givenAs(flags.port, '--port', 'KEYWARD_PORT'), flags.port ?? env.KEYWARD_PORT, 8080, 0, 65535),
    databaseUrl,
    redisUrl: flags.redisUrl ?? env.KEYWARD_REDIS_URL ?? null,
    adminEmail: env.KEYWARD_ADMIN_EMAIL || null,
    adminPassword: env.KEYWARD_ADMIN_PASSWORD || null,
    logLevel: logLevel as Config['logLevel'],
    verifyAccessLog: oneOf('KEYWARD_VERIFY_ACCESS_LOG', env.KEYWARD_VERIFY_ACCESS_LOG, ['info', 'debug'] as const),
    publicUrl: flags.publicUrl ?? env.KEYWARD_PUBLIC_URL ?? null,
    sessionTtlS: int('KEYWARD_SESSION_TTL_S', env.KEYWARD_SESSION_TTL_S, 86_400, 60, 31_536_000),
    cacheSize: int('KEYWARD_CACHE_SIZE', env.KEYWARD_CACHE_SIZE, 100_000, 0, 10_000_000),
    negativeCacheTtlMs: int('KEYWARD_NEGATIVE_CACHE_TTL_MS', env.KEYWARD_NEGATIVE_CACHE_TTL_MS, 5_000, 0, 3_600_000),
    unknownKeyRatePerS: int('KEYWARD_UNKNOWN_KEY_RATE', env.KEYWARD_UNKNOWN_KEY_RATE, 100, 0, 1_000_000),
    unknownKeyBurst: int('KEYWARD_UNKNOWN_KEY_BURST', env.KEYWARD_UNKNOWN_KEY_BURST, 1_000, 1, 10_000_000),
    secretRefusalsPerHour: int(
      'KEYWARD_SECRET_REFUSALS_PER_HOUR',
      env.KEYWARD_SECRET_REFUSALS_PER_HOUR,
      100,
      0,
      1_000_000,
    ),
    usageFlushMs: int('KEYWARD_USAGE_FLUSH_MS', env.KEYWARD_USAGE_FLUSH_MS, 1_000, 10, 60_000),
    bodyLimitBytes: int('KEYWARD_BODY_LIMIT_BYTES', env.KEYWARD_BODY_LIMIT_BYTES, 64 * 1024, 1024, 16 * 1024 * 1024),
    requestTimeoutMs: int('KEYWARD_REQUEST_TIMEOUT_MS', env.KEYWARD_REQUEST_TIMEOUT_MS, 30_000, 1_000, 600_000),
    trustProxy: trustProxy(env.KEYWARD_TRUST_PROXY),
    rateLimitStore: oneOf('KEYWARD_RATE_LIMIT_STORE', env.KEYWARD_RATE_LIMIT_STORE, [
      'auto',
      'memory',
      'redis',
      'postgres',
    ] as const),
    invalidationBus: oneOf('KEYWARD_INVALIDATION_BUS', env.KEYWARD_INVALIDATION_BUS, [
      'auto',
      'local',
      'redis',
      'postgres',
    ] as const),
    redisPrefix: env.KEYWARD_REDIS_PREFIX ?? 'keyward:',
    githubScanningKeysFile: env.KEYWARD_GITHUB_SCANNING_KEYS_FILE || null,
    leakAction: oneOf('KEYWARD_LEAK_ACTION', env.KEYWARD_LEAK_ACTION, ['revoke', 'disable', 'notify'] as const),
    passwordScryptN: scryptCost(env.KEYWARD_PASSWORD_SCRYPT_N),
    cacheFallbackTtlMs: int('KEYWARD_CACHE_FALLBACK_TTL_MS', env.KEYWARD_CACHE_FALLBACK_TTL_MS, 1_000, 0, 3_600_000),
    realmAnonymous: bool(env.KEYWARD_REALM_ANONYMOUS),
    // Shutdown waits for in-flight reads, so the maxima keep SIGTERM well inside a 10 s grace period.
    readBudgetMs: int('KEYWARD_READ_BUDGET_MS', env.KEYWARD_READ_BUDGET_MS, 2_000, 50, 8_000),
    readPoolSize: int('KEYWARD_READ_POOL_SIZE', env.KEYWARD_READ_POOL_SIZE, 2, 1, 64),
    statementTimeoutMs: int('KEYWARD_STATEMENT_TIMEOUT_MS', env.KEYWARD_STATEMENT_TIMEOUT_MS, 5_000, 50, 8_000),
    metricsToken: metricsToken(env.KEYWARD_METRICS_TOKEN),
    metricsPort: env.KEYWARD_METRICS_PORT ? int('KEYWARD_METRICS_PORT', env.KEYWARD_METRICS_PORT, 0, 0, 65535) : null,
    metricsHost: env.KEYWARD_METRICS_HOST || '127.0.0.1',
    tracing: tracing(env),
    webhookKey: webhookKey(env.KEYWARD_WEBHOOK_KEY),
    webhookAllowPrivate: bool(env.KEYWARD_WEBHOOK_ALLOW_PRIVATE),
    webhookTimeoutMs: int('KEYWARD_WEBHOOK_TIMEOUT_MS', env.KEYWARD_WEBHOOK_TIMEOUT_MS, 10_000, 100, 10_000),
    webhookRetentionDays: int('KEYWARD_WEBHOOK_RETENTION_DAYS', env.KEYWARD_WEBHOOK_RETENTION_DAYS, 30, 2, 3650),
    expiryWarningDays: int('KEYWARD_EXPIRY_WARNING_DAYS', env.KEYWARD_EXPIRY_WARNING_DAYS, 7, 1, 365),
    idleDays: int('KEYWARD_IDLE_DAYS', env.KEYWARD_IDLE_DAYS, 90, 1, 3650),
    smtpUrl: smtpUrl(env.KEYWARD_SMTP_URL),
    smtpFrom: env.KEYWARD_SMTP_FROM || 'keyward@localhost',
    invitationTtlS: int('KEYWARD_INVITATION_TTL_S', env.KEYWARD_INVITATION_TTL_S, 7 * 86_400, 60, 90 * 86_400),
  })
}

/** `KEYWARD_SMTP_URL`: an smtp:// or smtps:// URL, or unset. */
function smtpUrl(raw: string | undefined): string | null {
  if (!raw) return null
  if (!/^smtps?:\/\//.test(raw))
    throw new KeywardError('validation_failed', 'KEYWARD_SMTP_URL must start with smtp:// or smtps://')
  return raw
}
