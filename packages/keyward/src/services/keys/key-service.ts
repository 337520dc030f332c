import {
  type Producer,
  canSeeOwner,
  creatorActorOf,
  requireCovers,
  requireManageOwner,
  requireMayMakeKeyOf,
  requireScope,
  rightsOfKey,
  visibleOrgIds,
} from '../../core/authz.js'
import { type Clock, epochMs } from '../../core/clock.js'
import { KeywardError, invalid, invalidField, notFound, rolledMeanwhile } from '../../core/errors.js'
import {
  DEFAULT_KEY_PREFIX,
  PREFIX_PATTERN,
  classifyKey,
  generateKey,
  hashSecret,
  visiblePrefix,
} from '../../core/key-format.js'
import { creditColumns, settlesDueRefill, withoutSameRefill } from '../../core/limits.js'
import { serializeMeta } from '../../core/meta.js'
import { normalizeRestrictions } from '../../core/restrictions.js'
import { makerOf, producerSecretOf } from '../../core/producer.js'
import { canManageKey } from '../../core/org-abilities.js'
import { type ApiKey, type KeyKind, type Owner, keyKindOf } from '../../core/types.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import { isUniqueViolation } from '../../store/database.js'
import type { KeyRepository, KeySort, SecretsRead } from '../../store/key-repository.js'
import type { ApiKeyUpdate, NewApiKeyRow } from '../../store/schema.js'
import { type KeyEventType, appendKeyEvent } from '../../store/key-event-repository.js'
import type { LeakAction } from '../../config.js'
import type { AuditLog, AuditTarget } from '../auth/audit-log.js'
import { decodeCursor, encodeCursor } from './key-cursor.js'
import { SESSION_PREFIX } from '../auth/auth-service.js'
import { type AuditContext, type RequestContext, producerOf } from '../context.js'
import type { VerifyCache } from './verify-cache.js'
import { type ChosenSecrets, type ChosenVia, secretInUse } from './chosen-secrets.js'
import {
  type CreateKeyInput,
  type Derivation,
  type ListKeysInput,
  type UpdateKeyInput,
  RIGHTS_FIELDS,
  boundsAfter,
  boundsOfInput,
  checkLimits,
  limitColumns,
  normalizeDate,
} from './key-input.js'
import type { IdentityAccess } from '../policies/identity-access.js'

const MAX_LIST = 500

/** Key lifecycle use cases. Every write invalidates the verify cache before it returns. */
export class KeyService {
  constructor(
    private readonly keys: KeyRepository,
    private readonly actors: ActorRepository,
    private readonly cache: VerifyCache,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly identities: IdentityAccess,
    private readonly chosen: ChosenSecrets,
  ) {}

  /** Creates a key with a new random secret; the plaintext is returned here and never again. */
  async create(
    ctx: RequestContext,
    input: CreateKeyInput,
    derivation: Derivation = 'bounded',
  ): Promise<{ key: string; apiKey: ApiKey }> {
    const prefix = input.prefix ?? DEFAULT_KEY_PREFIX
    if (!PREFIX_PATTERN.test(prefix) || SESSION_PREFIX.startsWith(prefix + '_')) {
      throw invalid('prefix must be 1-16 lower-case letters or digits, starting with a letter, and not "kwsess"')
    }
    const secret = generateKey(prefix)
    return { key: secret, apiKey: await this.insertKey(ctx, input, secret, derivation) }
  }

  /**
   * `insertKey` for a secret the caller chose (a balena device key given its secret): under the
   * caller's person's budget of refusals, since "this key already exists" tells that a secret is
   * held (`ChosenSecrets`).
   */
  insertChosen(ctx: RequestContext, input: CreateKeyInput, secret: string, via: ChosenVia): Promise<ApiKey> {
    return this.chosen.guard(ctx, via, () => this.insertKey(ctx, input, secret))
  }

  /**
   * Stores a key whose secret was made elsewhere (a device-generated key, an import).
   * Only its hash is kept. A secret the caller chose goes through `insertChosen` or a
   * `ChosenSecrets.guard` of its own.
   */
  async insertKey(
    ctx: RequestContext,
    input: CreateKeyInput,
    secret: string,
    derivation: Derivation = 'bounded',
  ): Promise<ApiKey> {
    requireScope(ctx.principal, 'keys:write')
    requireStorableSecret(secret)
    const { owner, scopes, identityId } = await this.authorizeNew(ctx, input, derivation)
    const kind = keyKindOf[owner.kind]
    const name = input.name ?? null
    if (kind === 'user' && name !== null && (await this.keys.nameTaken(owner.actorId, name))) throw nameConflict(name)
    const meta = serializeMeta(input.meta ?? {})
    const now = this.clock.now().toISOString()
    const expiresAt = normalizeDate(input.expires_at)
    // A key born expired would hand out a secret that never works (PATCH keeps "past = expire now").
    if (expiresAt !== null && expiresAt <= now && !input.allow_past_expiry)
      throw invalidField('expires_at', 'Expiry must be in the future')
    const hash = hashSecret(secret)
    const row: NewKeyFields = {
      actorId: owner.actorId,
      kind,
      name,
      secret,
      hash,
      scopes,
      meta,
      expiresAt,
      identityId,
      now,
    }
    try {
      const apiKey = await this.storeNew(ctx, input, row)
      await this.cache.invalidate([hash]) // a negative entry for this secret may exist
      const restrictions = apiKey.restrictions && { restrictions: apiKey.restrictions }
      const details = { name, kind, owner: apiKey.owner, scopes, ...restrictions }
      await this.audit.record(ctx, 'key.create', target(apiKey), details)
      return apiKey
    } catch (e) {
      if (isUniqueViolation(e))
        throw name !== null && (await this.keys.nameTaken(owner.actorId, name))
          ? nameConflict(name)
          : secretInUse('this key already exists')
      throw e
    }
  }

  /** The new key's owner, scopes and identity, once its producer is shown to cover them (rights never grow). */
  private async authorizeNew(ctx: RequestContext, input: CreateKeyInput, derivation: Derivation) {
    const owner = await this.resolveOwner(ctx, input.owner)
    checkLimits(input)
    const scopes = input.scopes ?? []
    const producer = await producerOf(ctx, this.keys)
    const identityId = await this.identityOfNew(ctx, input, producer, owner)
    const bounds = { ...boundsOfInput(input), identityId }
    requireCovers(producer, rightsOfKey({ scopes, ...bounds }, owner), 'create this key', {
      bounds: derivation === 'bounded',
    })
    requireMayMakeKeyOf(producer, owner)
    return { owner, scopes, identityId }
  }

  /**
   * A key made by a key of an identity stays in it (rights never grow: its shared limits bind the new key too),
   * a registered device's key as well: the identity is whose devices they are, not a bound of the provisioning key.
   */
  private async identityOfNew(ctx: RequestContext, input: CreateKeyInput, producer: Producer, owner: Owner) {
    const identityId = input.identity_id !== undefined ? input.identity_id : producer.bounds.identityId
    if (identityId === null) return null
    if (input.identity_id !== undefined) await this.identities.requireLinkable(ctx, identityId, owner)
    else await this.identities.requireInheritable(identityId, owner)
    return identityId
  }

  /** Writes the new key and its `key.created` event in one transaction. */
  private async storeNew(ctx: RequestContext, input: CreateKeyInput, row: NewKeyFields): Promise<ApiKey> {
    const { key } = (await this.recorded('key.created', async (keys) => {
      // Read first, under share locks: an owner removed meanwhile is a 404, an identity deleted meanwhile a 409;
      // a removal or a revoke racing this create waits for it, then ends its key.
      await keys.holdOwners([row.actorId])
      if (row.identityId !== null) await keys.requireIdentities([row.identityId])
      const maker = makerOf(ctx.principal)
      if (maker) await keys.requireLiveProducer(maker)
      await requireRoomFor(keys, row.actorId, row.kind, input.max_live_keys)
      const key = await keys.insert(newKeyRow(ctx, input, row))
      // The line beyond its maker (`key-origins.ts`): what the secret, or the login, that made it was made through.
      if (maker) await keys.origins.inherit([key.id], maker)
      return { key }
    }))!
    return key
  }

  async list(
    ctx: RequestContext,
    input: ListKeysInput,
  ): Promise<{ keys: ApiKey[]; total: number; nextCursor: string | null }> {
    requireScope(ctx.principal, 'keys:read')
    const limit = Math.min(input.limit ?? 100, MAX_LIST)
    const sort: KeySort = { field: input.sort ?? 'created_at', order: input.order ?? 'desc' }
    let actorId: number | undefined
    if (input.owner_id !== undefined) {
      const owner = await this.actors.ownerOf(input.owner_kind ?? 'user', input.owner_id)
      // An owner the caller cannot see has, for the caller, no keys.
      if (!owner || !canSeeOwner(ctx.principal, owner)) return { keys: [], total: 0, nextCursor: null }
      actorId = owner.actorId
    }
    // A key the caller cannot see made, for the caller, no keys (its id is no filter to probe with).
    const makers = [input.created_by_key_id, input.made_by_key_id].filter(
      (k): k is number => k !== undefined && k !== ctx.principal.keyId,
    )
    if (makers.length > 0) {
      const seen = await this.keys.visibleIds(ctx.principal, makers)
      if (seen !== null && makers.some((k) => !seen.has(k))) return { keys: [], total: 0, nextCursor: null }
    }
    const orgs = visibleOrgIds(ctx.principal)
    // An organization the caller is not in has, for the caller, no keys (as for owners above).
    if (input.organization_id !== undefined && orgs !== null && !orgs.includes(input.organization_id))
      return { keys: [], total: 0, nextCursor: null }
    const { keys, total } = await this.keys.list(
      ctx.principal,
      {
        actorId,
        organizationId: input.organization_id,
        identityId: input.identity_id,
        kind: input.owner_kind && input.owner_id === undefined ? keyKindOf[input.owner_kind] : input.kind,
        status: input.status,
        q: input.q,
        // Only a key's visible start is stored: a longer text (a whole key) is matched on that part.
        prefix: input.prefix === undefined ? undefined : visiblePrefix(input.prefix),
        createdByKeyId: input.created_by_key_id,
        madeByKeyId: input.made_by_key_id,
        scope: input.scope,
        limit,
        sort,
        after: decodeCursor(input.cursor, sort),
      },
      this.clock.now().toISOString(),
    )
    const last = keys[keys.length - 1]
    return { keys, total, nextCursor: keys.length === limit && last ? encodeCursor(sort, last) : null }
  }

  /**
   * `keys` as `ctx`'s caller may read them: `created_by_key_id` only when the caller may see
   * the key it names (else null: a member whose key an admin's key made must not learn that
   * key's id). One query per answer (`visibleIds`); none for an admin or the caller's own key.
   */
  async withVisibleCreators(ctx: RequestContext, keys: readonly ApiKey[]): Promise<ApiKey[]> {
    const p = ctx.principal
    const named = (k: ApiKey) => k.createdByKeyId !== null && k.createdByKeyId !== p.keyId
    const ids = [...new Set(keys.filter(named).map((k) => k.createdByKeyId!))]
    const seen = ids.length ? await this.keys.visibleIds(p, ids) : null
    if (seen === null) return [...keys]
    const hidden = (k: ApiKey) => named(k) && !seen.has(k.createdByKeyId!)
    return keys.map((k) => (hidden(k) ? { ...k, createdByKeyId: null, createdInGraceUntil: null } : k))
  }

  /**
   * `keys` as the caller reads them (`withVisibleCreators`), each with whether it may change it (`canManageKey`, the
   * wire's `can_manage`); the owners read together (`ownersOfActors`).
   */
  async seenBy(ctx: RequestContext, keys: readonly ApiKey[]): Promise<{ key: ApiKey; canManage: boolean }[]> {
    const owners = await this.actors.ownersOfActors(keys.map((k) => k.actorId))
    const shown = await this.withVisibleCreators(ctx, keys)
    return shown.map((key) => {
      const owner = owners.get(key.actorId)
      return { key, canManage: owner !== undefined && canManageKey(ctx.principal, owner, key.createdByActorId) }
    })
  }

  /** The key an authenticated principal is using (no check: the caller holds it). */
  findOwn(id: number): Promise<ApiKey | undefined> {
    return this.keys.findById(id)
  }

  /** 404/403 unless the caller may link a key of `keyOwner` to identity `id` (creating, updating or importing a key). */
  requireLinkableIdentity(ctx: RequestContext, id: number, keyOwner: Owner): Promise<void> {
    return this.identities.requireLinkable(ctx, id, keyOwner)
  }

  async get(ctx: RequestContext, id: number): Promise<ApiKey> {
    requireScope(ctx.principal, 'keys:read')
    return (await this.findVisible(ctx, id)).key
  }

  async update(ctx: RequestContext, id: number, input: UpdateKeyInput): Promise<ApiKey> {
    requireScope(ctx.principal, 'keys:write')
    const { key, owner } = await this.findVisible(ctx, id, 'manage')
    assertNotRevoked(key)
    checkLimits({ restrictions: input.restrictions })
    if (input.identity_id !== undefined && input.identity_id !== null)
      await this.identities.requireLinkable(ctx, input.identity_id, owner)
    if (RIGHTS_FIELDS.some((f) => input[f] !== undefined)) {
      await this.requireNotInLineBelow(ctx, key, 'change the scopes, limits or expiry of')
      const producer = await this.requireCoversKey(ctx, key, owner, 'change this key')
      requireCovers(
        producer,
        rightsOfKey(
          { scopes: input.scopes ?? key.scopes, ...boundsAfter(key, input), createdByActorId: key.createdByActorId },
          owner,
        ),
        'give this key these rights',
      )
    }
    if (input.name === null && key.kind === 'user') throw invalid('a user key needs a name')
    if (input.name && key.kind === 'user' && (await this.keys.nameTaken(key.actorId, input.name, key.id)))
      throw nameConflict(input.name)
    checkLimits({
      remaining: input.remaining === undefined ? key.remaining : input.remaining,
      refill: input.refill === undefined ? key.refill : input.refill,
    })
    const now = this.clock.now()
    const named = withoutSameRefill(input, key.refill)
    // A due refill lands first, then what the PATCH names (core/limits.ts `settlesDueRefill`).
    if (settlesDueRefill(key, named, now)) await this.keys.applyDueRefill(key.id, now, key.refill!)
    return this.write(ctx, key, 'key.update', this.updateColumns(key, named, now), {
      fields: Object.keys(input),
      ...(input.restrictions !== undefined && { restrictions: normalizeRestrictions(input.restrictions) }),
    })
  }

  /** The columns a PATCH of `key` writes. */
  private updateColumns(key: ApiKey, input: UpdateKeyInput, now: Date): ApiKeyUpdate {
    const patch: ApiKeyUpdate = { ...limitColumns(input, key.ratelimits, now.toISOString()) }
    if (input.name !== undefined) patch.name = input.name
    if (input.description !== undefined) patch.description = input.description
    if (input.expires_at !== undefined) patch.expires_at = normalizeDate(input.expires_at)
    if (input.scopes !== undefined) patch.scopes = JSON.stringify(input.scopes)
    if (input.meta !== undefined) patch.meta = serializeMeta(input.meta)
    return { ...patch, ...creditColumns(input, now) }
  }

  async disable(ctx: RequestContext, id: number): Promise<ApiKey> {
    requireScope(ctx.principal, 'keys:write')
    const { key } = await this.findVisible(ctx, id, 'manage')
    assertNotRevoked(key)
    return this.write(ctx, key, 'key.disable', { disabled_at: key.disabledAt ?? this.clock.now().toISOString() })
  }

  /** Re-enabling brings a key's rights back to life: the caller must hold all of them. */
  async enable(ctx: RequestContext, id: number): Promise<ApiKey> {
    requireScope(ctx.principal, 'keys:write')
    const { key, owner } = await this.findVisible(ctx, id, 'manage')
    assertNotRevoked(key)
    await this.requireNotInLineBelow(ctx, key, 're-enable')
    await this.requireCoversKey(ctx, key, owner, 'enable this key')
    return this.write(ctx, key, 'key.enable', { disabled_at: null })
  }

  /** Irreversible; the row stays for audit. Revoking a revoked key changes nothing. */
  async revoke(ctx: RequestContext, id: number, reason: string | null = null): Promise<ApiKey> {
    const key = await this.revocable(ctx, id)
    if (key.revokedAt) return key
    return this.write(
      ctx,
      key,
      'key.revoke',
      { revoked_at: this.clock.now().toISOString(), revoked_reason: reason },
      { reason },
    )
  }

  /** Key `id` if `ctx` may revoke it (revoked already or not): else 404 (not visible) or 403, as a revoke answers. */
  async revocable(ctx: RequestContext, id: number): Promise<ApiKey> {
    requireScope(ctx.principal, 'keys:write')
    return (await this.findVisible(ctx, id, 'manage')).key
  }

  async delete(ctx: RequestContext, id: number): Promise<void> {
    requireScope(ctx.principal, 'keys:write')
    const { key } = await this.findVisible(ctx, id, 'manage')
    const r = await this.recorded('key.deleted', async (keys) => {
      // Revoke ends it (KeyLineage, invariant 5): a key deleting a key that made keys cut the line that
      // `revoke {minted: true}` follows from a leaked key (a reviewer's find). Its owner may; a key may not, nor a
      // login whose password a key chose (it deleted that key, and the revoke found nothing: an attacker's find).
      if (makerOf(ctx.principal) !== null && (await keys.madeAny(id, this.clock.now().toISOString())))
        throw new KeywardError(
          'conflict',
          'this key made other keys or chose a password: a key, or a login whose password a key chose, cannot delete it (revoke it with what it made, or delete the keys it made first)',
        )
      const hashes = await keys.delete(id)
      return hashes && { key, hashes }
    })
    if (!r) throw notFound('API key')
    await this.cache.invalidate(r.hashes)
    await this.audit.record(ctx, 'key.delete', target(key), { name: key.name })
  }

  /**
   * A new secret for the same key; the old one keeps working for `graceS` seconds.
   * The caller receives the key's secret, so it must hold every right the key has.
   */
  async roll(ctx: RequestContext, id: number, graceS = 0): Promise<{ key: string; apiKey: ApiKey; cutShort: boolean }> {
    requireScope(ctx.principal, 'keys:write')
    // A rolled-away secret is kept only so clients can switch: one that rolled its own key would shut out the new
    // secret's holder; a secret it took by rolling another key would outlive it, nothing tying the two (an attacker's
    // find). Device registration refuses it likewise.
    if (ctx.principal.graceEndsAt !== undefined)
      throw new KeywardError('forbidden', "a rolled-away secret rolls no key: use its key's new secret")
    const { key, hash, owner } = await this.findVisible(ctx, id, 'manage')
    assertNotRevoked(key)
    // Another key's new secret is a key made now: an application's only by a producer without bounds
    // (as on create). A key rolling itself keeps its own bounds and hands out nothing it lacked.
    const producer = await this.requireCoversKey(ctx, key, owner, 'roll this key')
    if (ctx.principal.keyId !== key.id) requireMayMakeKeyOf(producer, owner)
    // Nor a key of its line: the new secret would be made by a key the rolled key's line reaches only through the
    // secret it replaces (a key a stolen secret made rolled the stolen key out of the line, an attacker's find).
    if (ctx.principal.keyId !== key.id) await this.requireNotInLineBelow(ctx, key, 'roll')
    const prefix = /^([a-z][a-z0-9]{0,15})_/.exec(key.keyPrefix)?.[1] ?? DEFAULT_KEY_PREFIX
    const secret = generateKey(prefix)
    const now = this.clock.now()
    // The secret in its grace period before this roll ends now, before its promised end (`KeyLineage.roll`).
    const cutShort = key.previousSecretExpiresAt !== null && Date.parse(key.previousSecretExpiresAt) > now.getTime()
    // Another key's roll hands it this key's new secret: a secret it made, which `revoke {minted: true}` of that key
    // ends with what it created (an attacker's find: it outlived the revoke, the owner's old secret working beside
    // it for a year). The secret going into its grace period keeps its maker while that runs (`madeByKeys`). A key
    // rolling itself hands the new secret to whoever held the old one: it keeps the old one's maker (a stolen secret
    // rolling its own key left the line: an attacker's find).
    const current = await this.keys.secretMakerOf(key.id)
    const maker = ctx.principal.keyId === key.id ? current : ctx.principal.keyId
    const apiKey = await this.write(
      ctx,
      key,
      'key.roll',
      {
        hash: hashSecret(secret),
        key_prefix: visiblePrefix(secret),
        previous_hash: graceS > 0 ? hash : null,
        previous_hash_expires_at: graceS > 0 ? graceEndAfter(key, now.getTime() + graceS * 1000) : null,
        secret_made_by_key_id: maker,
        previous_secret_made_by_key_id: graceS > 0 ? current : null,
      },
      // The entry says what the roll cut short: a second roll's entry looked like the first (a new user's find).
      { owner: key.owner, grace_period_s: graceS, ...(cutShort && { ended_grace_until: key.previousSecretExpiresAt }) },
      { hash }, // another roll landing meanwhile: a 409, not its new secret ended unseen
    )
    return { key: secret, apiKey, cutShort }
  }

  /**
   * Ends the grace period of the secret the last roll replaced, at once: when that secret turns
   * out to be exposed, without a second roll (every client would switch twice). It only takes
   * away, so it is allowed as a disable is. Nothing to end: the key as it is, nothing recorded.
   * The write evicts the old secret's hash from every node's cache (`write`). `KeyLineage.endGrace`
   * calls it, then revokes what the key's rolled-away secrets made.
   */
  async endGrace(ctx: RequestContext, id: number): Promise<ApiKey> {
    requireScope(ctx.principal, 'keys:write')
    const { key } = await this.findVisible(ctx, id, 'manage')
    const end = key.previousSecretExpiresAt
    if (key.revokedAt || end === null || Date.parse(end) <= epochMs(this.clock)) return key
    // Only the grace period read: a roll landing in between starts a new one, which this must not end
    // (a reviewer's find: 3 of 20 racing pairs ended the grace the roll had just promised).
    const patch = { previous_hash: null, previous_hash_expires_at: null }
    return this.write(ctx, key, 'key.end_grace', patch, { previous_secret_expires_at: end }, { graceEnd: end })
  }

  /**
   * What a reported leak does to the key it names. No caller is authorized here: the report
   * itself (a scanner's signed payload, or the secret in the reporter's hands) is the authority,
   * and it can only take rights away. A leaked pre-roll secret ends its grace period (the
   * current secret was not leaked); a leaked current secret is revoked, disabled or only
   * recorded, per `action`. Always audited as `key.leaked` (the secret itself never is).
   * Ends only the grace period it read: a roll landing meanwhile ended the leaked secret itself
   * and promised a new grace period to a secret that was not reported (`KeyLineage.respondToLeak`).
   */
  async respondToLeak(
    found: { key: ApiKey; matchedPrevious: boolean },
    action: LeakAction,
    report: LeakReport,
  ): Promise<void> {
    const { key } = found
    const ctx = { principal: null, ip: report.ip }
    // `action` is a code (`LeakAudit`), with a `note` when nothing was done: it mixed codes and sentences, which
    // a program reading the audit could not match and the dashboard showed as they were (a new user's find).
    const done: LeakAudit = found.matchedPrevious
      ? { action: 'end_grace' }
      : key.revokedAt
        ? { action: 'none', note: 'already revoked' }
        : { action }
    const details = {
      via: report.via,
      ...done,
      ...(report.url && { url: report.url }),
      ...(report.source && { source: report.source }),
    }
    if (!found.matchedPrevious)
      return void (await this.write(ctx, key, 'key.leaked', leakPatch(key, action, report, this.clock), details))
    const patch = { previous_hash: null, previous_hash_expires_at: null }
    try {
      await this.write(ctx, key, 'key.leaked', patch, details, { graceEnd: key.previousSecretExpiresAt! })
    } catch (e) {
      if (!(e instanceof KeywardError && e.code === 'conflict')) throw e
      // A roll or an end-grace landed meanwhile (`rolledMeanwhile`): it ended the leaked secret itself, and a
      // grace period a roll promised belongs to a secret nobody reported. The owner still learns of the leak.
      const none: LeakAudit = { action: 'none', note: 'its grace period had ended' }
      await this.write(ctx, key, 'key.leaked', {}, { ...details, ...none })
    }
  }

  /**
   * A key may not `act` on itself, nor on a key it descends from: made by it, it could hold as much as its maker
   * once the maker had spent down, and reset the maker's budget, restart its rate-limit window (a new window is
   * a new counter) or re-enable it after its owner disabled it (an attacker's find,
   * `test/attack/descendant-resets-maker.test.ts`). Down the line, and with a session, the rights rule alone holds.
   */
  private async requireNotInLineBelow(ctx: RequestContext, key: ApiKey, act: string): Promise<void> {
    const own = ctx.principal.keyId
    if (own === null) return
    if (own === key.id) throw new KeywardError('forbidden', `a key cannot ${act} itself`)
    if (await this.keys.descendsFrom(own, key.id, this.clock.now().toISOString()))
      throw new KeywardError('forbidden', `a key cannot ${act} a key it was made from`)
  }

  private async write(
    ctx: AuditContext,
    key: ApiKey,
    action: WriteAction,
    patch: ApiKeyUpdate,
    details: Record<string, unknown> = {},
    expect?: SecretsRead,
  ): Promise<ApiKey> {
    const patched = { ...patch, updated_at: this.clock.now().toISOString() }
    const r = await this.recorded(eventsOf(action, key, patch), async (keys) => {
      // The identity a key joins is read first in this transaction: one deleted since the request's check is a 409.
      if (typeof patch.identity_id === 'number') await keys.requireIdentities([patch.identity_id])
      // A secret its caller's key made (`roll`) is written only while that key is live: a revoke committing between
      // the request's check and this write missed it (an attacker's find), as a create's would.
      const producer = ctx.principal && producerSecretOf(ctx.principal)
      const making = producer && patch.secret_made_by_key_id === producer.keyId ? producer : null
      // A login whose password a key chose makes the new secret through that key (`key-origins.ts` invariant 7).
      const login = action === 'key.roll' && !producer ? (ctx.principal?.passwordLine ?? null) : null
      // Its turn before the rows (a key minting in a loop cannot starve its revoke), with the maker's, in id order
      // (two keys rolling each other deadlocked: an attacker's find). `live-producer.ts`.
      await keys.holdForWrite([key.id], making?.keyId)
      const maker = making ?? login
      if (maker) await keys.requireLiveProducer(maker)
      const updated = await keys.update(key.id, patched, expect)
      // The new secret's line beyond its maker column, the replaced one's into its grace period (`key-origins.ts`).
      if (updated && action === 'key.roll') {
        const self = producer?.keyId === key.id
        await keys.origins.roll(key.id, producer ?? login, self, patch.previous_hash != null)
      }
      return updated
    })
    if (!r && expect !== undefined && (await this.keys.findById(key.id))) throw rolledMeanwhile()
    if (!r) throw notFound('API key')
    await this.cache.invalidate(r.hashes)
    await this.audit.record(ctx, action, target(r.key), details)
    return r.key
  }

  /**
   * Runs a key write and appends its webhook event to the outbox in the same transaction,
   * so the event exists exactly when the change committed (`store/key-event-repository.ts`).
   * `write` must use the repository it is given (on SQLite, `this.keys` would wait for this transaction).
   */
  private recorded<R extends { key: ApiKey }>(
    types: KeyEventType | KeyEventType[],
    write: (keys: KeyRepository) => Promise<R | undefined>,
  ): Promise<R | undefined> {
    return this.keys.transaction(async (keys, trx) => {
      const r = await write(keys)
      if (r) for (const type of [types].flat()) await appendKeyEvent(trx, type, r.key, this.clock.now())
      return r
    })
  }

  /**
   * A key the caller may see, with its owner, or 404 (also for keys of others: ids cannot be probed);
   * `manage`: one it may also change (`canManageOwner`), else 403 — an organization viewer sees, never changes.
   * Clients learn it beforehand from `can_manage` (`canManageKey` in core/org-abilities.ts: this and `keys:write`).
   */
  private async findVisible(
    ctx: RequestContext,
    id: number,
    mode: 'read' | 'manage' = 'read',
  ): Promise<{ key: ApiKey; hash: string; owner: Owner }> {
    const found = await this.keys.findWithHash(id)
    if (!found) throw notFound('API key')
    const owner = await this.actors.ownerOfActor(found.key.actorId)
    if (!owner || !canSeeOwner(ctx.principal, owner)) throw notFound('API key')
    if (mode === 'manage') requireManageOwner(ctx.principal, owner, found.key.createdByActorId)
    return { ...found, owner }
  }

  /** 403 unless the caller holds every right `key` has now (derivation rule, core/authz.ts); returns the caller as producer. */
  private async requireCoversKey(ctx: RequestContext, key: ApiKey, owner: Owner, what: string): Promise<Producer> {
    const producer = await producerOf(ctx, this.keys)
    requireCovers(producer, rightsOfKey(key, owner), what)
    return producer
  }

  /** The owner a new key names (default: the caller), or 404 when the caller cannot see it. */
  async resolveOwner(ctx: RequestContext, ref: CreateKeyInput['owner']): Promise<Owner> {
    const p = ctx.principal
    if (!ref) return p.owner
    if (ref.kind === 'user' && p.owner.kind !== 'user')
      throw new KeywardError('forbidden', 'application and device credentials cannot create user keys')
    const owner = await this.actors.ownerOf(ref.kind, ref.id)
    if (!owner || !canSeeOwner(p, owner)) throw notFound(ref.kind)
    return owner
  }
}

/** Audit actions of `write`, and the webhook event each one emits (`eventsOf`). */
type WriteAction =
  'key.update' | 'key.disable' | 'key.enable' | 'key.revoke' | 'key.roll' | 'key.end_grace' | 'key.leaked'
const EVENT_OF: Record<WriteAction, KeyEventType> = {
  'key.update': 'key.updated',
  'key.disable': 'key.disabled',
  'key.enable': 'key.enabled',
  'key.revoke': 'key.revoked',
  'key.roll': 'key.rolled',
  'key.end_grace': 'key.updated',
  'key.leaked': 'key.leaked',
}

/**
 * The webhook events of a `write`: its action's, and for a leak report the change it made to the key, as a
 * revoke, a disable or an end-grace announces it (a receiver purging revoked keys on `key.revoked` missed a key
 * a leak report revoked: it heard only `key.leaked`). A key disabled already is not disabled again.
 */
function eventsOf(action: WriteAction, key: ApiKey, patch: ApiKeyUpdate): KeyEventType[] {
  if (action !== 'key.leaked') return [EVENT_OF[action]]
  if (patch.revoked_at) return ['key.leaked', 'key.revoked']
  if (patch.disabled_at && !key.disabledAt) return ['key.leaked', 'key.disabled']
  if (patch.previous_hash === null) return ['key.leaked', EVENT_OF['key.end_grace']]
  return ['key.leaked']
}

/**
 * The end of a grace period starting now, at `ms`: never the instant the key's running grace period ends, since
 * a grace end names its grace period (`created_in_grace_until`): a roll at t with 100 s and one at t + 50 s with
 * 50 s ended together, and what the first secret made was spared as the second's (an attacker's find).
 */
function graceEndAfter(key: ApiKey, ms: number): string {
  const end = new Date(ms).toISOString()
  return end === key.previousSecretExpiresAt ? new Date(ms + 1).toISOString() : end
}

/**
 * What a leak report did, as `key.leaked` records it: the configured action on a reported current secret, or
 * `end_grace` for a rolled-away one, or `none` with why (the key was revoked already; a roll ended the reported
 * secret meanwhile).
 */
type LeakAudit = { action: LeakAction | 'end_grace' } | { action: 'none'; note: string }

/** What a leak of `key`'s current secret changes: per `action`, nothing for a revoked key. */
function leakPatch(key: ApiKey, action: LeakAction, report: LeakReport, clock: Clock): ApiKeyUpdate {
  const now = clock.now().toISOString()
  const reason = `leaked (${report.via}${report.url ? `: ${report.url}` : ''})`.slice(0, 500)
  if (key.revokedAt || action === 'notify') return {}
  return action === 'revoke' ? { revoked_at: now, revoked_reason: reason } : { disabled_at: key.disabledAt ?? now }
}

/** Where a leak report came from, for the audit trail (never the secret). */
export interface LeakReport {
  via: 'github' | 'self-report'
  url?: string
  source?: string
  ip: string | null
}

const target = (k: ApiKey): AuditTarget => ({ type: 'api_key', id: k.id, ownerActorId: k.actorId })
const nameConflict = (name: string) =>
  new KeywardError('conflict', `a key named "${name}" already exists for this owner`, { details: { field: 'name' } })

/** A secret that could be stored and then verify. */
function requireStorableSecret(secret: string): void {
  // A secret that could never verify (too short, spaces, a bad Keyward checksum) is refused, not stored.
  if (classifyKey(secret).kind === 'malformed')
    throw invalid('the key must be at least 32 characters without spaces, or a valid Keyward key', {
      field: 'api_key',
    })
  // A bearer starting with the session prefix is looked up as a session, so such a key could never authenticate.
  if (secret.startsWith(SESSION_PREFIX))
    throw invalid(`the key must not start with "${SESSION_PREFIX}"`, { field: 'api_key' })
}

function assertNotRevoked(key: ApiKey): void {
  if (key.revokedAt)
    throw new KeywardError('conflict', 'this key is revoked; revocation cannot be undone', {
      details: { revoked_at: key.revokedAt },
    })
}

/**
 * An owner's cap on live keys (Realm's 20 per user), checked in the transaction that writes the key,
 * with the owner held (`lockActor`): checked before it, 50 creates at once all saw room (an attacker's find).
 */
async function requireRoomFor(keys: KeyRepository, actorId: number, kind: KeyKind, max: number | undefined) {
  if (max === undefined) return
  await keys.lockActor(actorId)
  if ((await keys.countLive(actorId, kind)) >= max) throw invalid(`an owner may hold at most ${max} keys`)
}

/** What `insertKey` decided of a new key; `newKeyRow` adds the rest. */
interface NewKeyFields {
  actorId: number
  kind: KeyKind
  name: string | null
  secret: string
  hash: string
  scopes: string[]
  meta: string
  expiresAt: string | null
  identityId: number | null
  now: string
}

/** A new key's row: its secret only as a hash, never used, rolled or revoked. */
function newKeyRow(ctx: RequestContext, input: CreateKeyInput, k: NewKeyFields): NewApiKeyRow {
  return {
    actor_id: k.actorId,
    kind: k.kind,
    name: k.name,
    description: input.description ?? null,
    hash: k.hash,
    key_prefix: visiblePrefix(k.secret),
    previous_hash: null,
    previous_hash_expires_at: null,
    scopes: JSON.stringify(k.scopes),
    meta: k.meta,
    expires_at: k.expiresAt,
    disabled_at: null,
    revoked_at: null,
    revoked_reason: null,
    remaining: null,
    refill_amount: null,
    refill_interval_s: null,
    ...limitColumns(input, [], k.now),
    identity_id: k.identityId,
    last_refill_at: input.refill ? k.now : null,
    last_used_at: null,
    created_by_actor_id: creatorActorOf(ctx.principal),
    created_by_key_id: ctx.principal.keyId,
    created_in_grace_until: ctx.principal.graceEndsAt ?? null,
    created_at: k.now,
    updated_at: k.now,
  }
}
