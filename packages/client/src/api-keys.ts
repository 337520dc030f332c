import { KeywardError } from './errors.js'
import { collect } from './pagination.js'
import { keyPrefixOf } from './key-prefix.js'
import { type Transport, idPath } from './transport.js'
import type {
  ApiKey,
  Application,
  CallContext,
  CreateKeyInput,
  CreatedKey,
  RolledKey,
  ImportKeyInput,
  ImportResult,
  KeyId,
  KeyLimits,
  KeyPage,
  KeyUsage,
  ListKeysFilter,
  MadeByKey,
  RevokedKey,
  UpdateKeyInput,
  VerifyResult,
  WhoAmI,
  Device,
} from './types.js'

/** What the balena aliases need to turn a user, application or device reference into an owner id. */
export interface OwnerLookups {
  whoami(): Promise<WhoAmI>
  findApplication(slugOrUuidOrId: string | number): Promise<Application>
  findDevice(uuidOrId: string | number): Promise<Device>
}

/** Options of {@link ApiKeys.revoke}. */
export interface RevokeOptions {
  /** Recorded with the key and in the audit log. */
  reason?: string
  /**
   * Also revoke every key this key made (`made_by_key_id`: created with it, or whose secret it rolled), and what those made, that the
   * caller may see: what to do when a key that can create keys has leaked. The answer's
   * `minted_revoked` says how many.
   */
  minted?: boolean
}

/** Options of {@link ApiKeys.roll}. */
export interface RollOptions {
  /** Seconds the old secret keeps working (default 0: it stops at once). */
  grace_period_s?: number
}

/** Options of {@link ApiKeys.verify}. */
export interface VerifyOptions {
  /** Scopes the key must all hold, else `INSUFFICIENT_SCOPES`. */
  scopes?: string[]
  /** Where the call you verify comes from; a key with restrictions needs it, else `FORBIDDEN_CONTEXT`. */
  context?: CallContext
  /** Named limits to check besides the auto-applied ones, each with its cost (default 1, 0 allowed). */
  ratelimits?: { name: string; cost?: number }[]
  /** Credits to take from `remaining` (the key's and its identity's); default 1, 0 checks without taking. */
  cost?: number
}

/** Options of {@link ApiKeys.usage}. */
export interface UsageOptions {
  /** How many UTC days, today included (1-366, default 30). */
  days?: number
}

/**
 * API keys: `kw.apiKeys`. The native methods are `create, list, iterate, all, get, update,
 * disable, enable, revoke, delete, roll, endGrace, verify, usage`; the other names are aliases for code written
 * against balena, Fluxbase or Realm SDKs (see the README's mapping table).
 */
export class ApiKeys {
  constructor(
    private readonly http: Transport,
    private readonly resources: OwnerLookups,
  ) {}

  /**
   * Creates a key. The secret (`key`) is in this answer only: store it now.
   * A bare string is a name (Realm's `create(name)`).
   */
  create(input: CreateKeyInput | string): Promise<CreatedKey> {
    const body = typeof input === 'string' ? { name: input } : withRateLimitSugar(input)
    return this.http.request<CreatedKey>('POST', '/v1/keys', { body })
  }

  /**
   * One page of keys the caller may see, with the total matching the filter and the next page's
   * cursor. A `prefix` is sent cut to its visible start (`keyPrefixOf`): the server matches no more
   * than that, and the rest of a pasted key stays out of the URL.
   */
  list(filter: ListKeysFilter = {}): Promise<KeyPage> {
    const prefix = filter.prefix === undefined ? undefined : keyPrefixOf(filter.prefix)
    return this.http.request<KeyPage>('GET', '/v1/keys', { query: { ...filter, prefix } })
  }

  /** Every key matching the filter, page after page: `for await (const k of kw.apiKeys.iterate({ status: 'active' }))`. */
  async *iterate(filter: ListKeysFilter = {}): AsyncGenerator<ApiKey, void, undefined> {
    let cursor = filter.cursor
    do {
      const page = await this.list({ ...filter, cursor })
      yield* page.api_keys
      cursor = page.next_cursor ?? undefined
    } while (cursor)
  }

  /** Every key matching the filter, as one array (all pages). */
  all(filter: ListKeysFilter = {}): Promise<ApiKey[]> {
    return collect(this.iterate(filter))
  }

  /** One key by id; `not_found` (404) for a missing key and for someone else's. */
  get(id: KeyId): Promise<ApiKey> {
    return this.http.request<ApiKey>('GET', idPath('/v1/keys', id))
  }

  /** Changes name, description, expiry (a past date expires at once, `null` never), scopes, meta or limits. */
  update(id: KeyId, patch: UpdateKeyInput): Promise<ApiKey> {
    return this.http.request<ApiKey>('PATCH', idPath('/v1/keys', id), { body: withRateLimitSugar(patch) })
  }

  /** Suspends a key until {@link enable}; verification answers `DISABLED`. */
  disable(id: KeyId): Promise<ApiKey> {
    return this.http.request<ApiKey>('POST', `${idPath('/v1/keys', id)}/disable`)
  }

  /**
   * Re-enables a disabled key: lifts its own switch (`disabled_at`). A key whose user is deactivated
   * (`user_deactivated_at`) stays `disabled` until the user is reactivated.
   */
  enable(id: KeyId): Promise<ApiKey> {
    return this.http.request<ApiKey>('POST', `${idPath('/v1/keys', id)}/enable`)
  }

  /** Revokes a key for good; the record stays (status `revoked`) for audit. */
  revoke(id: KeyId, opts: RevokeOptions = {}): Promise<RevokedKey> {
    return this.http.request<RevokedKey>('POST', `${idPath('/v1/keys', id)}/revoke`, { body: opts })
  }

  /**
   * What `revoke(id, { minted: true })` would end now, changing nothing: offer it when either count is above 0.
   * Takes what the revoke takes (`keys:write`, a key you may manage).
   */
  made(id: KeyId): Promise<MadeByKey> {
    return this.http.request<MadeByKey>('GET', `${idPath('/v1/keys', id)}/made`)
  }

  /** Deletes a key and its record. */
  async delete(id: KeyId): Promise<void> {
    await this.http.request<void>('DELETE', idPath('/v1/keys', id))
  }

  /** Issues a new secret for the key; the old one works for `grace_period_s` more seconds. */
  roll(id: KeyId, opts: RollOptions = {}): Promise<RolledKey> {
    return this.http.request<RolledKey>('POST', `${idPath('/v1/keys', id)}/roll`, { body: opts })
  }

  /**
   * Ends the last roll's grace period now: the old secret is refused at once, on every node, and the
   * keys it made during the grace period are revoked with their line (`minted_revoked` counts them).
   */
  endGrace(id: KeyId): Promise<RevokedKey> {
    return this.http.request<RevokedKey>('POST', `${idPath('/v1/keys', id)}/end-grace`)
  }

  /**
   * Brings keys made elsewhere (1 to 1,000 per call; all or none): by plaintext or by hash.
   * Idempotent on `external_id`, and on the secret for the same owner (a re-run answers `unchanged`);
   * a secret held by any other key is a 409 naming only `keys[i]`. Each key is checked like a created one.
   * Such refusals spend the caller's person's hourly budget: once spent, a 429 (`KeywardError.retryAfterS` says
   * when); more than 32 such calls of one person at once are a 429 too.
   */
  import(keys: ImportKeyInput[]): Promise<ImportResult> {
    return this.http.request<ImportResult>('POST', '/v1/keys/import', { body: { keys } })
  }

  /** Checks a key (needs the `keys:verify` scope). Resolves `{ valid: false, code }` for a refused key. */
  verify(key: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
    return this.http.request<VerifyResult>('POST', '/v1/keys/verify', { body: { key, ...opts } })
  }

  /**
   * Reports a leaked secret so the server revokes it (or acts per its `KEYWARD_LEAK_ACTION`).
   * Needs no credential: holding the secret is enough. The answer is the same whether or not
   * the key exists, so it tells nothing about the secret.
   */
  async reportLeak(key: string): Promise<void> {
    await this.http.request<{ status: 'received' }>('POST', '/v1/keys/leaked', { body: { key } })
  }

  /**
   * Verifications of a key per UTC day (valid, refused, refusals by code), oldest first,
   * zero-filled. Servers write counters in batches, so the last second or so may be missing.
   */
  usage(id: KeyId, opts: UsageOptions = {}): Promise<KeyUsage> {
    return this.http.request<KeyUsage>('GET', `${idPath('/v1/keys', id)}/usage`, { query: { ...opts } })
  }

  // ---- balena-sdk names (`balena.models.apiKey.*`) ----

  /** balena `getAll`: every key the caller may see (all pages). Same as {@link all}. */
  getAll(filter: ListKeysFilter = {}): Promise<ApiKey[]> {
    return this.all(filter)
  }

  /** balena `getAllNamedUserApiKeys`: the calling user's own user keys. */
  async getAllNamedUserApiKeys(filter: ListKeysFilter = {}): Promise<ApiKey[]> {
    const me = await this.resources.whoami()
    if (!me.user)
      throw new KeywardError(
        'forbidden',
        'only a user has named user keys; this credential belongs to an application or device',
        { status: 403 },
      )
    return this.all({ ...filter, owner_kind: 'user', owner_id: me.user.id })
  }

  /** balena `getProvisioningApiKeysByApplication`: keys of an application given by id, uuid or slug. */
  async getProvisioningApiKeysByApplication(
    slugOrUuidOrId: string | number,
    filter: ListKeysFilter = {},
  ): Promise<ApiKey[]> {
    const app = await this.resources.findApplication(slugOrUuidOrId)
    return this.all({ ...filter, owner_kind: 'application', owner_id: app.id })
  }

  /** balena `getDeviceApiKeysByDevice`: keys of a device given by id or uuid. */
  async getDeviceApiKeysByDevice(uuidOrId: string | number, filter: ListKeysFilter = {}): Promise<ApiKey[]> {
    const device = await this.resources.findDevice(uuidOrId)
    return this.all({ ...filter, owner_kind: 'device', owner_id: device.id })
  }

  // ---- Realm names (`user.apiKeys.*`); create, enable, disable and delete are native names ----

  /** Realm `fetchAll`: every key the caller may see (all pages). Same as {@link all}. */
  fetchAll(filter: ListKeysFilter = {}): Promise<ApiKey[]> {
    return this.all(filter)
  }

  /** Realm `fetch`: one key by id. Same as {@link get}. */
  fetch(id: KeyId): Promise<ApiKey> {
    return this.get(id)
  }
}

/** Fluxbase's `rate_limit_per_minute: n` is `rate_limit: { limit: n, window_s: 60 }`; an explicit `rate_limit` wins. */
function withRateLimitSugar<T extends KeyLimits>(input: T): Omit<T, 'rate_limit_per_minute'> {
  const { rate_limit_per_minute: perMinute, ...rest } = input
  if (perMinute === undefined || rest.rate_limit !== undefined) return rest
  return { ...rest, rate_limit: perMinute === null ? null : { limit: perMinute, window_s: 60 } }
}
