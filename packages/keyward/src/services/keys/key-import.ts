import {
  type Producer,
  creatorActorOf,
  requireCovers,
  requireMayMakeKeyOf,
  requireScope,
  rightsOfKey,
} from '../../core/authz.js'
import type { Clock } from '../../core/clock.js'
import { KeywardError, invalidField } from '../../core/errors.js'
import { visiblePrefix } from '../../core/key-format.js'
import { serializeMeta } from '../../core/meta.js'
import { type Maker, makerOf } from '../../core/producer.js'
import { type Owner, keyKindOf } from '../../core/types.js'
import { isUniqueViolation } from '../../store/database.js'
import type { KeyRepository } from '../../store/key-repository.js'
import type { NewApiKeyRow } from '../../store/schema.js'
import type { AuditLog } from '../auth/audit-log.js'
import { type RequestContext, producerOf } from '../context.js'
import { type ImportKeyInput, importedHash } from './import-input.js'
import { type ChosenSecrets, secretInUse } from './chosen-secrets.js'
import { boundsOfInput, checkLimits, limitColumns, normalizeDate } from './key-input.js'
import type { KeyService } from './key-service.js'
import type { VerifyCache } from './verify-cache.js'
import { yieldToLoop } from './chunked-writes.js'

/** At most this many keys per import call: one transaction, answered within a request's time. */
export const MAX_IMPORT_KEYS = 1000
/** Keys an import handles between two turns of the event loop (validating them, auditing them). */
const IMPORT_SLICE = 100

/** What an import call did, per key in request order. */
export interface ImportResult {
  imported: number
  unchanged: number
  keys: { index: number; id: number; status: 'imported' | 'unchanged' }[]
}

/**
 * `POST /v1/keys/import`: keys whose secret was made elsewhere, by plaintext or by hash, all or
 * none per call. Idempotent on (owner, external_id): a key already imported is left as it is.
 * Rights never grow: each key is checked against the importer like a created key (`excessRights`).
 */
export class KeyImporter {
  constructor(
    private readonly keys: KeyService,
    private readonly repo: KeyRepository,
    private readonly cache: VerifyCache,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly chosen: ChosenSecrets,
  ) {}

  async import(ctx: RequestContext, items: readonly ImportKeyInput[], source: string | null): Promise<ImportResult> {
    requireScope(ctx.principal, 'keys:write')
    if (items.length < 1 || items.length > MAX_IMPORT_KEYS)
      throw invalidField('keys', `give 1 to ${MAX_IMPORT_KEYS} keys per call`)
    const producer = await producerOf(ctx, this.repo)
    const seen: CallLookups = { owners: new Map(), identities: new Set() }
    const rows: NewApiKeyRow[] = []
    for (const [i, item] of items.entries()) {
      rows.push(await this.rowOf(ctx, producer, seen, item, i))
      // Its awaits are microtasks (cached owners, SQLite): 1,000 rows held the loop 3–15 ms in one piece.
      if (i % IMPORT_SLICE === IMPORT_SLICE - 1) await yieldToLoop()
    }
    refuseDuplicates(rows)
    const result = await this.chosen.guard(ctx, 'import', () => this.write(rows, makerOf(ctx.principal)))
    await this.auditEachKey(ctx, rows, result, source, seen.owners)
    await this.audit.record(ctx, 'key.import', importTarget(ctx.principal.owner.actorId), {
      imported: result.imported,
      unchanged: result.unchanged,
      ...(source && { source }),
    })
    return result
  }

  /**
   * One `key.import` entry per key this call stored, about that key (its owner reads it): the call's own
   * entry names no key, so an imported key's page history was empty (a new user's find). One INSERT.
   * Each names its key's owner, as `key.create` does: the trail of a key deleted since still says whose it was.
   */
  private async auditEachKey(
    ctx: RequestContext,
    rows: NewApiKeyRow[],
    result: ImportResult,
    source: string | null,
    owners: CallLookups['owners'],
  ) {
    const byActor = new Map([...owners.values()].map((o) => [o.actorId, { kind: o.kind, id: o.id }]))
    const stored = result.keys.filter((k) => k.status === 'imported')
    const entries = stored.map((k) => ({
      target: { type: 'api_key' as const, id: k.id, ownerActorId: rows[k.index]!.actor_id },
      details: {
        owner: byActor.get(rows[k.index]!.actor_id),
        ...(source && { source }),
        ...(rows[k.index]!.external_id && { external_id: rows[k.index]!.external_id }),
      },
    }))
    // A statement per slice with a loop turn between: 1,000 entries in one held SQLite's loop 5–14 ms.
    for (let i = 0; i < entries.length; i += IMPORT_SLICE) {
      if (i > 0) await yieldToLoop()
      await this.audit.recordMany(ctx, 'key.import', entries.slice(i, i + IMPORT_SLICE))
    }
  }

  /**
   * The lookups and the insert of validated rows: which are new, which were imported before.
   * Invariant: only the lookups refuse a secret (`hashInUse`, naming the item), so a unique
   * violation at the insert is never counted against the caller's refusal budget. It means a call
   * committed a conflicting row between this one's lookups and its insert (PostgreSQL does not
   * serialize them; the fuzzer's identical imports sent at once), so the lookups run again and
   * answer as a retry would: `unchanged` when the winner stored these very keys, the same refusal
   * as ever when someone else holds the secret. Bounded: each retry follows another call's commit.
   */
  private async write(rows: NewApiKeyRow[], producer: Maker | null): Promise<ImportResult> {
    for (let attempt = 1; attempt <= IMPORT_ATTEMPTS; attempt++) {
      const plan = await this.plan(rows)
      try {
        const ids = plan.fresh.length === 0 ? [] : await this.insert(plan.fresh, producer)
        return resultOf(rows, plan, ids)
      } catch (e) {
        if (!isUniqueViolation(e)) throw e
      }
    }
    throw racedOut()
  }

  /**
   * Which rows are new and which were imported before (by which key); refuses a secret someone
   * else holds and a user key's name taken. Names are read first: a key committed before that read
   * is seen by the hash and external_id reads after it too, so a name taken by this very import's
   * racing twin finds its row `unchanged` instead of refusing it ("a key named … already exists").
   */
  private async plan(rows: readonly NewApiKeyRow[]): Promise<ImportPlan> {
    const names = await this.takenNames(rows)
    const existing = await this.repo.findExternal(
      rows.flatMap((r) => (r.external_id ? [{ actorId: r.actor_id, externalId: r.external_id }] : [])),
    )
    const ownHash = await this.ownHashes(rows)
    for (const [r, id] of ownHash) if (r.external_id) existing.set(externalKey(r), id)
    const fresh = rows.filter((r) => !ownHash.has(r) && !(r.external_id && existing.has(externalKey(r))))
    refuseTakenNames(rows, fresh, names)
    return { existing, ownHash, fresh }
  }

  /** The row of one item, or a 400 naming `keys[i].…` / a 403 when the importer lacks its rights. */
  private async rowOf(
    ctx: RequestContext,
    producer: Producer,
    seen: CallLookups,
    item: ImportKeyInput,
    i: number,
  ): Promise<NewApiKeyRow> {
    const hash = importedHash(item, i)
    const ref = item.owner ? `${item.owner.kind}:${item.owner.id}` : ''
    const owner = seen.owners.get(ref) ?? (await this.keys.resolveOwner(ctx, item.owner))
    seen.owners.set(ref, owner)
    const meta = inItem(i, () => {
      checkLimits(item)
      return serializeMeta(item.meta ?? {})
    })
    const scopes = item.scopes ?? []
    // Unkey's roles and permissions, merged: each list is in bounds, the two together may not be.
    if (scopes.length > MAX_SCOPES) throw invalidField(`keys[${i}].scopes`, `at most ${MAX_SCOPES} scopes`)
    // Linking to an identity is checked as on create: another tenant's identity is a 404.
    const identityId = item.identity_id ?? null
    if (identityId !== null && !seen.identities.has(`${identityId}/${ref}`)) {
      await this.keys.requireLinkableIdentity(ctx, identityId, owner)
      seen.identities.add(`${identityId}/${ref}`)
    }
    const bounds = inItem(i, () => boundsOfInput(item))
    requireCovers(producer, rightsOfKey({ scopes, ...bounds, identityId }, owner), `import key ${i}`)
    requireMayMakeKeyOf(producer, owner)
    const now = this.clock.now().toISOString()
    return {
      actor_id: owner.actorId,
      kind: keyKindOf[owner.kind],
      name: item.name ?? null,
      description: item.description ?? null,
      hash,
      key_prefix: item.key_prefix ?? (item.plaintext ? visiblePrefix(item.plaintext) : ''),
      scopes: JSON.stringify(scopes),
      meta,
      expires_at: inItem(i, () => normalizeDate(item.expires_at)),
      disabled_at: item.enabled === false ? now : null,
      ...limitColumns(item, [], now),
      last_refill_at: item.refill ? now : null,
      external_id: item.external_id ?? null,
      created_by_actor_id: creatorActorOf(ctx.principal),
      created_by_key_id: ctx.principal.keyId,
      created_in_grace_until: ctx.principal.graceEndsAt ?? null,
      created_at: now,
      updated_at: now,
    }
  }

  /**
   * Rows whose secret is already in use, mapped to the key holding it when that key is the row
   * itself imported before: same owner, current hash, and the same external_id or none given (a
   * re-run is "unchanged", with or without external ids). Any other holder (another tenant's key,
   * the caller's own under another owner or external_id, the old hash of a key rolled with a
   * grace period) refuses the call with `hashInUse`, which never says whose.
   */
  private async ownHashes(rows: readonly NewApiKeyRow[]): Promise<Map<NewApiKeyRow, number>> {
    const inUse = await this.repo.hashesInUse(rows.map((r) => r.hash))
    const own = new Map<NewApiKeyRow, number>()
    for (const [i, r] of rows.entries()) {
      const k = inUse.get(r.hash)
      if (!k) continue
      const same = k.current && k.actorId === r.actor_id && (r.external_id ?? k.externalId) === k.externalId
      if (!same) throw hashInUse(i)
      own.set(r, k.id)
    }
    return own
  }

  /** The call's (owner, name) pairs of user keys that a live user key holds, as `actorId:name` (one query per call). */
  private takenNames(rows: readonly NewApiKeyRow[]): Promise<Set<string>> {
    const named = rows.filter((r) => r.kind === 'user' && r.name)
    return this.repo.namesTaken(named.map((r) => ({ actorId: r.actor_id, name: r.name! })))
  }

  /**
   * One transaction, only while the producing key is live; every hash is evicted after (a negative
   * cache entry may exist for it). A unique violation is thrown as it is: `write` looks again.
   */
  private async insert(rows: readonly NewApiKeyRow[], producer: Maker | null): Promise<number[]> {
    // One call, one principal: every row records the same grace end (a rolled-away secret's, or none).
    const ids = await this.repo.insertMany(rows, producer)
    await this.cache.invalidate(rows.map((r) => r.hash))
    return ids
  }
}

/**
 * Lookups and insert are tried this many times at most. Each retry follows a unique violation, that
 * is another call's commit of one of these rows' secret, external_id or name, and the next lookups see
 * it, so one retry answers identical calls racing; the rest cover a call whose rows several calls race.
 */
const IMPORT_ATTEMPTS = 3

/** What `plan` decided: the rows to insert, and the key each other row already is. */
interface ImportPlan {
  existing: Map<string, number>
  ownHash: Map<NewApiKeyRow, number>
  fresh: NewApiKeyRow[]
}

const externalKey = (r: NewApiKeyRow) => `${r.actor_id}:${r.external_id}`

/** The answer, per key in request order, once `fresh` were stored as `ids`. */
function resultOf(rows: readonly NewApiKeyRow[], plan: ImportPlan, ids: readonly number[]): ImportResult {
  const idOf = new Map(plan.fresh.map((r, k) => [r, ids[k]!]))
  return {
    imported: plan.fresh.length,
    unchanged: rows.length - plan.fresh.length,
    keys: rows.map((r, index) =>
      idOf.has(r)
        ? { index, id: idOf.get(r)!, status: 'imported' }
        : { index, id: plan.ownHash.get(r) ?? plan.existing.get(externalKey(r))!, status: 'unchanged' },
    ),
  }
}

/** Live user keys have unique names per owner, imported ones too: a 409 naming the item's index in the call. */
function refuseTakenNames(rows: readonly NewApiKeyRow[], fresh: readonly NewApiKeyRow[], taken: Set<string>): void {
  const clash = fresh.find((r) => r.kind === 'user' && r.name && taken.has(`${r.actor_id}:${r.name}`))
  if (clash)
    throw new KeywardError('conflict', `a key named "${clash.name}" already exists for this owner`, {
      details: { field: 'name', index: rows.indexOf(clash) },
    })
}

/**
 * Every attempt lost a race to other calls' commits. Not a refused secret (the lookups saw none
 * held by anyone else), so not `secretInUse` and not counted: the caller sends the call again.
 */
const racedOut = () =>
  new KeywardError('conflict', 'keys: other calls were storing these keys at the same time; send this call again')

/**
 * The one refusal of a secret that cannot be imported. Hashes are unique across all tenants (a
 * secret verifies as one key), so refusing is unavoidable; the answer is the same whoever holds
 * the secret (another tenant, the caller under another owner, an old pre-roll hash) and names
 * neither existence nor holder, only the item (`keys[i]`, so the CLI reports its line).
 */
function hashInUse(index: number): KeywardError {
  const field = `keys[${index}]`
  const message = `${field}: this secret cannot be imported`
  return secretInUse(message, [{ field, message }])
}

/** What an import's audit event is about: keys of the caller's owner, none in particular. */
const importTarget = (ownerActorId: number) => ({ type: 'api_key' as const, id: null, ownerActorId })

/**
 * What one call already resolved, so keys sharing an owner or an identity cost one lookup per
 * call: the owner of each `owner` reference, and the identities found linkable by keys of each
 * (a refused one throws, ending the call).
 */
interface CallLookups {
  owners: Map<string, Owner>
  identities: Set<string>
}

/** As `POST /v1/keys` takes them (http/schemas.ts). */
const MAX_SCOPES = 100

/** Runs a check of item `i`, naming the field as `keys[i].<field>` in its 400. */
function inItem<T>(i: number, check: () => T): T {
  try {
    return check()
  } catch (e) {
    if (!(e instanceof KeywardError) || e.code !== 'validation_failed') throw e
    const field = (e.details as { field?: string }[] | { field?: string } | undefined) ?? {}
    const name = Array.isArray(field) ? field[0]?.field : field.field
    throw invalidField(`keys[${i}]${name ? `.${name}` : ''}`, e.message)
  }
}

/** A secret, an (owner, external_id) or a user key's (owner, name) twice in one call is a 400 naming the second. */
function refuseDuplicates(rows: readonly NewApiKeyRow[]): void {
  const hashes = new Set<string>()
  const externals = new Set<string>()
  const names = new Set<string>()
  for (const [i, r] of rows.entries()) {
    const name = r.kind === 'user' && r.name && `${r.actor_id}:${r.name}`
    if (name && names.has(name)) throw invalidField(`keys[${i}].name`, 'two user keys of one owner with this name')
    if (name) names.add(name)
    if (hashes.has(r.hash)) throw invalidField(`keys[${i}].hash`, 'the same key appears twice in this call')
    hashes.add(r.hash)
    const ext = r.external_id && `${r.actor_id}:${r.external_id}`
    if (ext && externals.has(ext))
      throw invalidField(`keys[${i}].external_id`, 'the same external_id appears twice in this call')
    if (ext) externals.add(ext)
  }
}
