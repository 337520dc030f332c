import { setImmediate as nextTurn } from 'node:timers/promises'
import { type Expression, type ExpressionBuilder, type Kysely, type Transaction, sql } from 'kysely'
import { identityGone } from '../core/errors.js'
import type { Maker } from '../core/producer.js'
import { type ContextRule, type Restrictions, compileRestrictions } from '../core/restrictions.js'
import type {
  ActorKind,
  ApiKey,
  KeyKind,
  KeyStatus,
  NamedLimit,
  Owner,
  Principal,
  Refill,
  Role,
  VerifiableIdentity,
  VerifiableKey,
} from '../core/types.js'
import { identityOfRow } from './identity-repository.js'
import { hashesOf } from './key-hashes.js'
import type { ApiKeyRow, ApiKeyUpdate, Database, NewApiKeyRow } from './schema.js'
import type { Dialect } from './database.js'
import { bumpKeyChanges } from './key-changes.js'
import { holdOwners } from './live-owner.js'
import { holdKeysExclusive, holdKeysShared, requireLiveProducer } from './live-producer.js'
import { keyPrefixStartsWith, madeByKeys, nameContains, scopesInclude } from './key-search.js'
import { KeyOrigins, inLineOf, passwordsChosenBy } from './key-origins.js'
import { type HashHolder, type OwnedName, hashesInUse, liveUserKeyNames, makerUserOf } from './import-lookups.js'
import { organizationActors, visibleActors, visibleKeyIds } from './visibility.js'
import { refillKeyIfDue, takeKeyCredits } from './credits.js'
import { OneValueQuery } from './one-value-query.js'
import { nameOrder } from './name-order.js'

/**
 * What a write read of a key's secrets, to land only while they are unchanged: the grace period it ends
 * (end-grace, a leak report), or the current secret it replaces (a roll: two racing rolls each ended the
 * other's secret, and the first to read judged the grace period it cut short by a stale read).
 */
export type SecretsRead = { graceEnd: string } | { hash: string }

export interface KeyFilter {
  actorId?: number
  /** Keys of this organization's actors (`organizationActors`); visibility still applies. */
  organizationId?: number
  identityId?: number
  kind?: KeyKind
  status?: KeyStatus
  q?: string
  /** Only keys whose `key_prefix` begins with this (`keyPrefixStartsWith`). */
  prefix?: string
  /** Only keys produced by this key (`created_by_key_id`). */
  createdByKeyId?: number
  /** Only keys made by this key, by creating them or rolling their secret (`madeByKeys`). */
  madeByKeyId?: number
  /** Only keys whose scopes include this one (`scopesInclude`). */
  scope?: string
  limit: number
  /** Order of the page; ties are broken by id in the same direction. */
  sort: KeySort
  /** Return keys after this position in `sort` order (keyset pagination). */
  after?: KeysetPosition
}

/** Columns keys can be listed by. */
export const KEY_SORT_FIELDS = ['created_at', 'name', 'last_used_at', 'expires_at'] as const
export type KeySortField = (typeof KEY_SORT_FIELDS)[number]

/** A listing order. Keys without a value in the sort column come last in both directions. */
export interface KeySort {
  field: KeySortField
  order: 'asc' | 'desc'
}

/** Where a page ended: the last key's sort value and id. */
export interface KeysetPosition {
  value: string | null
  id: number
}

/**
 * A key found by the hash of a presented secret, with everything verification needs.
 * `findByHash` gives the whole key; the verification cache keeps only `VerifiableKey`.
 */
export interface KeyLookup<K extends VerifiableKey = VerifiableKey> {
  key: K
  owner: Owner
  /** Role of the owning user for user keys; application and device keys act as members. */
  role: Role
  /** True when the secret matched the pre-roll hash, valid until `previousHashExpiresAt`. */
  matchedPrevious: boolean
  previousHashExpiresAt: string | null
  /**
   * That person's user id (null: none, a shared organization's key). Set by `findByHash` only;
   * `VerifyCache` indexes the entry under it, so the person's deactivation evicts it at once.
   */
  holderUserId?: number | null
  /**
   * For an organization's own key, its `created_by_actor_id`: the person it acts for (`Principal.makerActorId`);
   * null for every other key. Set by `findByHash`.
   */
  makerActorId?: number | null
  /** That person's user id (null: none, or not an organization's key): whose memberships it acts within. */
  makerUserId?: number | null
  /** The key's restrictions, compiled once per lookup (so once per cached entry); null: usable anywhere. */
  contextRule: ContextRule | null
  /** The key's identity's limits and credits (null: none), read in the same query. */
  identity: VerifiableIdentity | null
}

/** The owner of a key from `findByHash`'s joined columns (the same answer as `ActorRepository.ownerOf`). */
function ownerOfRow(
  kind: ActorKind,
  id: number,
  r: {
    actor_id: number
    app_owner_id: number | null
    app_org_id: number | null
    device_app_id: number | null
    device_owner_id: number | null
    device_org_id: number | null
  },
): Owner {
  const actorId = r.actor_id
  if (kind === 'user') return { kind, id, actorId, userId: id, applicationId: null, organizationId: null }
  if (kind === 'organization') return { kind, id, actorId, userId: 0, applicationId: null, organizationId: id }
  if (kind === 'application')
    return { kind, id, actorId, userId: r.app_owner_id!, applicationId: id, organizationId: r.app_org_id }
  const appId = r.device_app_id!
  return { kind, id, actorId, userId: r.device_owner_id!, applicationId: appId, organizationId: r.device_org_id }
}

type KeyRowWithOwner = ApiKeyRow & {
  owner_kind: ActorKind
  owner_id: number | null
  user_deactivated_at: string | null
}

export function rowToKey(r: KeyRowWithOwner): ApiKey {
  return {
    id: r.id,
    actorId: r.actor_id,
    owner: { kind: r.owner_kind, id: r.owner_id ?? 0 },
    kind: r.kind,
    name: r.name,
    description: r.description,
    keyPrefix: r.key_prefix,
    scopes: JSON.parse(r.scopes) as string[],
    meta: JSON.parse(r.meta) as Record<string, unknown>,
    expiresAt: r.expires_at,
    disabledAt: r.disabled_at,
    userDeactivatedAt: r.user_deactivated_at,
    previousSecretExpiresAt: r.previous_hash ? r.previous_hash_expires_at : null,
    revokedAt: r.revoked_at,
    revokedReason: r.revoked_reason,
    ratelimits: JSON.parse(r.ratelimits) as NamedLimit[],
    identityId: r.identity_id,
    remaining: r.remaining,
    refill:
      r.refill_amount !== null && r.refill_interval_s !== null
        ? { amount: r.refill_amount, interval_s: r.refill_interval_s }
        : null,
    lastRefillAt: r.last_refill_at,
    lastUsedAt: r.last_used_at,
    restrictions: r.restrictions === null ? null : (JSON.parse(r.restrictions) as Restrictions),
    externalId: r.external_id,
    createdByActorId: r.created_by_actor_id,
    createdByKeyId: r.created_by_key_id,
    createdInGraceUntil: r.created_in_grace_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

/** Rows per INSERT of an import: 27 columns × 100 stays under SQLite's 32,766 bound parameters. */
const IMPORT_CHUNK = 100

/**
 * Storage of API keys. Knows SQL, not rules. Listing and search read through `readDb`
 * (the store's budgeted read pool); lookups by id or hash and every write use `db`.
 */
export class KeyRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly readDb: Kysely<Database> = db,
  ) {}

  /**
   * Runs `work` in one transaction with a repository bound to it; `work` also gets the
   * transaction for writes that must commit or roll back with the key's (the event outbox).
   */
  transaction<T>(work: (keys: KeyRepository, trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new KeyRepository(trx, this.dialect, this.readDb), trx))
  }

  /** The line beyond the maker columns (`key-origins.ts`), in this repository's transaction. */
  get origins(): KeyOrigins {
    return new KeyOrigins(this.db)
  }

  /** Keys with their owner's kind and id, from the actor tables. */
  private selectKeys(db = this.db) {
    return (
      db
        .selectFrom('api_key')
        .innerJoin('actor', 'actor.id', 'api_key.actor_id')
        .leftJoin('user', 'user.actor_id', 'api_key.actor_id')
        .leftJoin('application', 'application.actor_id', 'api_key.actor_id')
        .leftJoin('device', 'device.actor_id', 'api_key.actor_id')
        .leftJoin('organization', 'organization.actor_id', 'api_key.actor_id')
        .leftJoin('application as dapp', 'dapp.id', 'device.application_id')
        .leftJoin('organization as aorg', 'aorg.id', 'application.organization_id')
        .leftJoin('organization as dorg', 'dorg.id', 'dapp.organization_id')
        // The person whose deactivation disables the key: the key's own user, or the person of the
        // personal organization the key, its application or its device's application belongs to.
        // A shared organization's keys (its own, its applications', its devices') have none: they
        // outlive any member, whoever created them. `pausedAmong` is the same rule, for filters, and
        // `personsKeys` (user-lifecycle-repository.ts) from the person's side: change them together.
        .leftJoin('user as ruser', (j) =>
          j.on(
            sql`ruser.id`,
            '=',
            sql`coalesce(${sql.ref('user.id')}, organization.personal_user_id, aorg.personal_user_id, dorg.personal_user_id)`,
          ),
        )
        .selectAll('api_key')
        .select((eb) => [
          'actor.kind as owner_kind',
          eb.fn.coalesce('user.id', 'application.id', 'device.id', 'organization.id').as('owner_id'),
          'ruser.deactivated_at as user_deactivated_at',
        ])
    )
  }

  async insert(row: NewApiKeyRow): Promise<ApiKey> {
    const r = await this.changingKeys((db) =>
      db.insertInto('api_key').values(row).returning('id').executeTakeFirstOrThrow(),
    )
    return (await this.findById(r!.id))!
  }

  /**
   * Runs a write that changes what `findByHash` answers. On SQLite it bumps the key-change
   * counter in the same transaction when the write changed a row (`key-changes.ts`: how an
   * embedded verifier in another process learns of it); PostgreSQL nodes hear the bus instead.
   */
  private changingKeys<T>(write: (db: Kysely<Database>) => Promise<T | undefined>): Promise<T | undefined> {
    if (this.dialect !== 'sqlite') return write(this.db)
    const run = async (trx: Transaction<Database>) => {
      const r = await write(trx)
      if (r !== undefined) await bumpKeyChanges(trx)
      return r
    }
    // Already inside a transaction (`transaction`, the webhook outbox's): bump in that one.
    return this.db.isTransaction ? run(this.db as Transaction<Database>) : this.db.transaction().execute(run)
  }

  async findById(id: number): Promise<ApiKey | undefined> {
    const r = await this.selectKeys().where('api_key.id', '=', id).executeTakeFirst()
    return r && rowToKey(r)
  }

  /** Keys by id, in id order (ids not found are left out). */
  async findByIds(ids: readonly number[]): Promise<ApiKey[]> {
    if (ids.length === 0) return []
    return (await this.selectKeys().where('api_key.id', 'in', ids).orderBy('api_key.id').execute()).map(rowToKey)
  }

  async findWithHash(id: number): Promise<{ key: ApiKey; hash: string } | undefined> {
    const r = await this.selectKeys().where('api_key.id', '=', id).executeTakeFirst()
    return r && { key: rowToKey(r), hash: r.hash }
  }

  /**
   * Returns the updated key and the hashes whose cache entries must go; undefined when the key is
   * gone, or (with `expect`) its secrets are no longer what the caller read (`SecretsRead`).
   */
  async update(
    id: number,
    patch: ApiKeyUpdate,
    expect?: SecretsRead,
  ): Promise<{ key: ApiKey; hashes: string[] } | undefined> {
    const before = await this.db
      .selectFrom('api_key')
      .select(['hash', 'previous_hash'])
      .where('id', '=', id)
      .executeTakeFirst()
    const r = await this.changingKeys((db) =>
      db
        .updateTable('api_key')
        .set(patch)
        .where('id', '=', id)
        .$if(expect !== undefined && 'graceEnd' in expect, (q) =>
          q.where('previous_hash_expires_at', '=', (expect as { graceEnd: string }).graceEnd),
        )
        .$if(expect !== undefined && 'hash' in expect, (q) => q.where('hash', '=', (expect as { hash: string }).hash))
        .returning(['hash', 'previous_hash'])
        .executeTakeFirst(),
    )
    if (!r || !before) return undefined
    return { key: (await this.findById(id))!, hashes: [...new Set([...hashesOf(before), ...hashesOf(r)])] }
  }

  /**
   * Imported keys, all or none: one transaction of multi-row inserts. Returns their ids in
   * `rows` order. A hash or (owner, external_id) already taken fails the whole call. Made by a
   * key or a login (`producer`), only while it is live (`isLiveMaker`), and only into identities that
   * still exist (`holdIdentities`), both read first in the transaction.
   */
  async insertMany(rows: readonly NewApiKeyRow[], producer: Maker | null): Promise<number[]> {
    return this.db.transaction().execute(async (trx) => {
      await holdOwners(
        trx,
        this.dialect,
        rows.map((r) => r.actor_id),
      )
      await holdIdentities(
        trx,
        this.dialect,
        rows.flatMap((r) => (r.identity_id == null ? [] : [r.identity_id])),
      )
      if (producer) await requireLiveProducer(trx, this.dialect, producer)
      const ids: number[] = []
      for (let i = 0; i < rows.length; i += IMPORT_CHUNK) {
        // better-sqlite3 runs each statement on the loop, and Kysely's awaits between them are microtasks: 1,000
        // rows held it 27–38 ms in one piece. A turn between chunks lets waiting requests run; their writes wait
        // for this transaction's connection, so nothing interleaves with it.
        if (i > 0 && this.dialect === 'sqlite') await nextTurn()
        const chunk = rows.slice(i, i + IMPORT_CHUNK)
        const r = await trx.insertInto('api_key').values(chunk).returning('id').execute()
        ids.push(...r.map((x) => x.id))
      }
      if (producer) await new KeyOrigins(trx).inherit(ids, producer)
      return ids
    })
  }

  /** Which of these (owner actor, external id) pairs exist already, as `actorId:externalId` → key id. */
  async findExternal(pairs: readonly { actorId: number; externalId: string }[]): Promise<Map<string, number>> {
    if (pairs.length === 0) return new Map()
    const rows = await this.db
      .selectFrom('api_key')
      .select(['id', 'actor_id', 'external_id'])
      .where('external_id', 'in', [...new Set(pairs.map((p) => p.externalId))])
      .where('actor_id', 'in', [...new Set(pairs.map((p) => p.actorId))])
      .execute()
    return new Map(rows.map((r) => [`${r.actor_id}:${r.external_id}`, r.id]))
  }

  /** Of keys `ids`, those that exist. */
  async existingIds(ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set()
    return new Set((await this.db.selectFrom('api_key').select('id').where('id', 'in', ids).execute()).map((r) => r.id))
  }

  /** Of keys `ids`, those `p` may see; null: all (`visibleKeyIds`, store/visibility.ts). */
  visibleIds(p: Principal, ids: readonly number[]): Promise<Set<number> | null> {
    return visibleKeyIds(this.db, p, ids)
  }

  /** Which of `hashes` a key already holds, current or pre-roll (`import-lookups.ts`). */
  hashesInUse(hashes: readonly string[]): Promise<Map<string, HashHolder>> {
    return hashesInUse(this.db, hashes)
  }

  /** The user who made a key, directly or through keys it made (`makerUserOf`), or null. */
  makerUserOf(keyId: number): Promise<number | null> {
    return makerUserOf(this.db, keyId)
  }

  /** Which of these (owner actor, name) pairs name a live user key, as `actorId:name` (`liveUserKeyNames`). */
  namesTaken(pairs: readonly OwnedName[]): Promise<Set<string>> {
    return liveUserKeyNames(this.db, this.dialect, pairs)
  }

  /** Deletes a key; returns its hashes, or undefined if there was none. */
  async delete(id: number): Promise<string[] | undefined> {
    const r = await this.changingKeys((db) =>
      db.deleteFrom('api_key').where('id', '=', id).returning(['hash', 'previous_hash']).executeTakeFirst(),
    )
    return r && hashesOf(r)
  }

  /** The verify path's lookup, compiled once (`one-value-query.ts`: building it was most of a cache miss's cost). */
  private readonly byHash = new OneValueQuery((hash: string) =>
    this.selectKeys()
      .leftJoin('identity', 'identity.id', 'api_key.identity_id')
      // The person an organization's key acts for (`KeyLookup.makerUserId`): their memberships decide its rights.
      .leftJoin('user as maker', 'maker.actor_id', 'api_key.created_by_actor_id')
      .select([
        'ruser.id as holder_user_id',
        'maker.id as maker_user_id',
        'user.role as user_role',
        'application.owner_user_id as app_owner_id',
        'application.organization_id as app_org_id',
        'device.application_id as device_app_id',
        'dapp.owner_user_id as device_owner_id',
        'dapp.organization_id as device_org_id',
        'identity.ratelimits as identity_ratelimits',
        'identity.remaining as identity_remaining',
        'identity.refill_amount as identity_refill_amount',
        'identity.refill_interval_s as identity_refill_interval_s',
      ])
      .where((eb) => eb.or([eb('api_key.hash', '=', hash), eb('api_key.previous_hash', '=', hash)])),
  )

  /** One indexed query: the key matching a hash (current or pre-roll) and its owner. */
  async findByHash(hash: string): Promise<KeyLookup<ApiKey> | undefined> {
    const [r] = await this.byHash.rows(this.db, hash)
    if (!r) return undefined
    const key = rowToKey(r)
    const owner = ownerOfRow(r.owner_kind, key.owner.id, r)
    return {
      key,
      owner,
      role: r.user_role ?? 'member',
      matchedPrevious: r.hash !== hash,
      previousHashExpiresAt: r.previous_hash_expires_at,
      holderUserId: r.holder_user_id,
      makerActorId: owner.kind === 'organization' ? key.createdByActorId : null,
      makerUserId: owner.kind === 'organization' ? r.maker_user_id : null,
      contextRule: compileRestrictions(key.restrictions),
      identity:
        r.identity_id === null || r.identity_ratelimits === null
          ? null
          : identityOfRow({
              id: r.identity_id,
              ratelimits: r.identity_ratelimits,
              remaining: r.identity_remaining,
              refill_amount: r.identity_refill_amount,
              refill_interval_s: r.identity_refill_interval_s,
            }),
    }
  }

  /** Keys visible to `viewer` in `f.sort` order, after `f.after`, with the total matching the filter. */
  async list(viewer: Principal, f: KeyFilter, now: string): Promise<{ keys: ApiKey[]; total: number }> {
    const q = filteredKeys(this.readDb, this.dialect, viewer, f, now)
    const count = await q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()
    // SQLite plans without statistics: given a key start, it ranges over the key_prefix index even when the
    // start matches most keys, then sorts every match for one page (2.6 s over 1,000,000 keys for `kw_`: a
    // reviewer's find). Past PREFIX_SORT_MAX matches, the page walks the sort column's index instead, testing
    // each key, and stops at the page's end (so many matches come soon); fewer are cheap to sort.
    const walk = f.prefix && this.dialect === 'sqlite' && Number(count.n) > PREFIX_SORT_MAX
    const ids = await pageIds(
      walk ? filteredKeys(this.readDb, this.dialect, viewer, f, now, false) : q,
      f,
      this.dialect,
    )
    const rows = ids.length === 0 ? [] : await this.selectKeys(this.readDb).where('api_key.id', 'in', ids).execute()
    const byId = new Map(rows.map((r) => [r.id, r]))
    // A key deleted between the two queries is left out rather than failing the page.
    const keys = ids.flatMap((id) => {
      const row = byId.get(id)
      return row ? [rowToKey(row)] : []
    })
    return { keys, total: Number(count.n) }
  }

  /**
   * Holds an actor's row until the transaction ends, so a check of what it holds and the write that
   * follows take turns with others doing the same (PostgreSQL). `for no key update`, not `for update`:
   * the latter also blocks every insert whose foreign key names the actor (they take `for key share`),
   * and could deadlock with a native create of the same name (a reviewer's find). SQLite's writers
   * take turns already: its transactions begin immediate (store/database.ts).
   */
  async lockActor(actorId: number): Promise<void> {
    if (this.dialect !== 'postgres') return
    await this.db.selectFrom('actor').select('id').where('id', '=', actorId).forNoKeyUpdate().execute()
  }

  /** Throws 404 unless these keys' owners still exist (`holdOwners`); first in the transaction that writes the keys. */
  async holdOwners(actorIds: readonly number[]): Promise<void> {
    await holdOwners(this.db, this.dialect, actorIds)
  }

  /**
   * Throws 409 unless these identities all exist (`holdIdentities`); call it first in the transaction
   * that writes keys joining them but after `holdOwners`, before `requireLiveProducer` (the lock order).
   */
  async requireIdentities(ids: readonly number[]): Promise<void> {
    await holdIdentities(this.db, this.dialect, ids)
  }

  /**
   * Takes keys `ids`' turn before a write that may end them (`holdKeysExclusive`, live-producer.ts): producers
   * hold their key shared, and would starve the write. In the write's transaction, before it touches their rows.
   * `makerId`: the key making something in this write (a roll), held shared; all in id order, so writes that
   * cross (two keys rolling each other, a roll inside a cascade's chunk) wait instead of deadlocking.
   */
  async holdForWrite(ids: readonly number[], makerId?: number): Promise<void> {
    const shared = () => (makerId === undefined ? undefined : holdKeysShared(this.db, this.dialect, makerId))
    if (makerId !== undefined && makerId < Math.min(...ids)) await shared()
    await holdKeysExclusive(this.db, this.dialect, ids)
    if (makerId !== undefined && makerId > Math.min(...ids)) await shared()
  }

  /**
   * Throws 401 unless the producer is live (`isLiveProducer`); call it in the transaction that writes
   * what it makes, after `requireIdentities`.
   */
  async requireLiveProducer(producer: Maker): Promise<void> {
    await requireLiveProducer(this.db, this.dialect, producer)
  }

  /**
   * Whether key `id` was made, through any number of keys, by key `ancestorId`: the line `revoke {minted: true}`
   * follows down (`inLineOf`: created by, holding a live secret rolled by, or made through), walked up here. One recursive
   * statement over the primary key; `union` visits each key once, so roll cycles end; a line is as long as its
   * holders made it, so it is walked whole. Before rolls were followed, a key the stolen secret made re-rolled the
   * stolen key out of the line (an attacker's find).
   */
  async descendsFrom(id: number, ancestorId: number, now: string): Promise<boolean> {
    const live = sql`(c.previous_hash is not null and c.previous_hash_expires_at > ${now})`
    const grace = sql`case when ${live} then c.previous_secret_made_by_key_id end`
    const r = await sql<{ found: number }>`
      with recursive up(id) as (
        select cast(${id} as integer)
        union
        select p.id from up
          join api_key c on c.id = up.id
          left join api_key_origin o on o.key_id = c.id and (o.part <> 'previous' or ${live})
          join api_key p on p.id in (c.created_by_key_id, c.secret_made_by_key_id, ${grace}, o.origin_key_id)
      )
      select 1 as found from up where id = ${ancestorId} and id <> ${id} limit 1`.execute(this.db)
    return r.rows.length > 0
  }

  /**
   * Whether any key records key `id` as its maker (`madeByKeys`), or a live user's password as chosen by it
   * (`password_set_by_key_id`: a key deleting its child cut the line to the password the child set, an attacker's
   * find), with key `id` held `for update` until the transaction ends (PostgreSQL): a create, roll or password
   * by it holds it `for share` (`requireLiveProducer`), so that write commits before this reads, or waits and finds
   * the key gone. Without the lock a delete read "none" while a create was inserting, and its key outlived the
   * line (a reviewer's find: 29 of 29 in 20 races).
   */
  async madeAny(id: number, now: string): Promise<boolean> {
    if (this.dialect === 'postgres') {
      await this.holdForWrite([id])
      await this.db.selectFrom('api_key').select('id').where('id', '=', id).forUpdate().execute()
    }
    const key = this.db
      .selectFrom('api_key')
      .select('id')
      .where(inLineOf('api_key', [id], now))
    const password = this.db
      .selectFrom('user')
      .select('id')
      .where(passwordsChosenBy('user', [id]))
      .where('deleted_at', 'is', null)
    return (
      (await key.limit(1).executeTakeFirst()) !== undefined ||
      (await password.limit(1).executeTakeFirst()) !== undefined
    )
  }

  /** The key that rolled key `id`'s current secret, when another key did (migration 0031); null otherwise. */
  async secretMakerOf(id: number): Promise<number | null> {
    const r = await this.db
      .selectFrom('api_key')
      .select('secret_made_by_key_id')
      .where('id', '=', id)
      .executeTakeFirst()
    return r?.secret_made_by_key_id ?? null
  }

  /** How many unrevoked keys of a kind an actor holds. */
  async countLive(actorId: number, kind: KeyKind): Promise<number> {
    const r = await this.db
      .selectFrom('api_key')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('actor_id', '=', actorId)
      .where('kind', '=', kind)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow()
    return Number(r.n)
  }

  /** Name clash among the live user keys of one actor. */
  async nameTaken(actorId: number, name: string, exceptId?: number): Promise<boolean> {
    let q = this.db
      .selectFrom('api_key')
      .select('id')
      .where('actor_id', '=', actorId)
      .where('name', '=', name)
      .where('kind', '=', 'user')
      .where('revoked_at', 'is', null)
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId)
    return (await q.executeTakeFirst()) !== undefined
  }

  /**
   * Takes `cost` uses from a usage-limited key, refilling first when the refill is due.
   * Atomic in SQL so concurrent verifications (several nodes) never go below zero.
   * Returns the remaining count after this use, or null when fewer than `cost` are left.
   */
  /** Applies the key's refill if it is due (see `refillKeyIfDue`). */
  applyDueRefill(id: number, now: Date, refill: Refill): Promise<void> {
    return refillKeyIfDue(this.db, id, now, refill)
  }

  async consumeUse(id: number, now: Date, refill: Refill | null, cost = 1): Promise<number | null> {
    return takeKeyCredits(this.db, id, now, refill, cost)
  }

  /**
   * Hashes (current and pre-roll) of the keys linked to an identity, what an identity write must
   * evict: `limit` keys after key `afterId`, in id order; `lastId` is where to go on, null at the end.
   */
  async hashesOfIdentity(
    identityId: number,
    afterId: number,
    limit: number,
  ): Promise<{ hashes: string[]; lastId: number | null }> {
    const rows = await this.db
      .selectFrom('api_key')
      .select(['id', 'hash', 'previous_hash'])
      .where('identity_id', '=', identityId)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute()
    return { hashes: rows.flatMap(hashesOf), lastId: rows.length === limit ? rows[rows.length - 1]!.id : null }
  }

  /**
   * Writes batched `last_used_at` values (key id, ISO time) in one statement; a value never
   * moves a key's `last_used_at` back (another node, or an older retried batch, may come later).
   * Callers keep batches small (`chunked-writes.ts`): on SQLite the statement blocks the event loop.
   * On a SQLite file the flush runs this SQL in `usage-writer-worker.js` (plain JavaScript, no Kysely): change both.
   */
  async touchLastUsed(entries: readonly (readonly [number, string])[]): Promise<void> {
    if (entries.length === 0) return
    if (this.dialect === 'postgres') return this.touchFromArrays(entries)
    const values = sql.join(entries.map(([id, at]) => sql`(cast(${id} as integer), ${at})`))
    // VALUES columns are named column1, column2… in both SQLite and PostgreSQL.
    await sql`update api_key set last_used_at = v.column2 from (values ${values}) as v
      where api_key.id = v.column1 and (api_key.last_used_at is null or api_key.last_used_at < v.column2)`.execute(
      this.db,
    )
  }

  /** `touchLastUsed` on PostgreSQL: two arrays, a constant statement (see `UsageRepository.addFromArrays`). */
  private async touchFromArrays(entries: readonly (readonly [number, string])[]): Promise<void> {
    const ids = entries.map(([id]) => id)
    const ats = entries.map(([, at]) => at)
    // A row another transaction holds is skipped, not waited for: a key minting in a loop keeps its row share-locked,
    // and the flush waited out its budget holding the rows it had updated (whose writes then failed). Its time is
    // written by a later flush that finds it free; `last_used_at` is approximate anyway (batched).
    await sql`update api_key set last_used_at = v.at from unnest(${ids}::integer[], ${ats}::text[]) as v (id, at)
      where api_key.id = v.id and (api_key.last_used_at is null or api_key.last_used_at < v.at)
        and api_key.id in (select id from api_key where id = any(${ids}::integer[]) for no key update skip locked)`.execute(
      this.db,
    )
  }
}

/** A subquery of actor ids (column `actor_id`): the candidates of `pausedAmong`. */
type ActorIds = Expression<{ actor_id: number }>

/**
 * Of `candidates`, the actors whose keys' person is deactivated (or deleted): the `ruser` rule of
 * `selectKeys`, as a set for the status filter. Candidates are the listing's visible actors, or
 * (an admin) the actors that hold keys, so the set's cost follows the keys the listing reads
 * anyway, not the number of deactivated or deleted users as such: a set of all their actors cost
 * 0.35 s per listing with 50,000 tombstones, and a subquery correlated per row 1 s on PostgreSQL.
 * Correct only while `candidates` holds every listed key's actor (else that key reads active):
 * `list` passes its visibility set or every key holder. `not in` is NULL-safe here because every
 * `actor_id` column is NOT NULL (a NULL in the set would make `not in` unknown for every row).
 */
function pausedAmong(candidates: ActorIds) {
  return sql<number>`(select c.actor_id from ${candidates} c
    left join "user" u on u.actor_id = c.actor_id
    left join organization o on o.actor_id = c.actor_id
    left join application ap on ap.actor_id = c.actor_id
    left join device d on d.actor_id = c.actor_id
    left join application dap on dap.id = d.application_id
    left join organization ao on ao.id = ap.organization_id
    left join organization dor on dor.id = dap.organization_id
    join "user" ru on ru.id = coalesce(u.id, o.personal_user_id, ao.personal_user_id, dor.personal_user_id)
    where ru.deactivated_at is not null)`
}

/** `keyStatusAt` (`core/policy.ts`) in SQL; `paused`: the actors of `pausedAmong`. */
function statusCondition(
  eb: ExpressionBuilder<Database, 'api_key'>,
  paused: ReturnType<typeof pausedAmong>,
  status: KeyStatus,
  now: string,
) {
  const live = [
    eb('api_key.revoked_at', 'is', null),
    eb('api_key.disabled_at', 'is', null),
    eb('api_key.actor_id', 'not in', paused),
  ]
  switch (status) {
    case 'revoked':
      return eb('api_key.revoked_at', 'is not', null)
    case 'disabled':
      return eb.and([
        eb('api_key.revoked_at', 'is', null),
        eb.or([eb('api_key.disabled_at', 'is not', null), eb('api_key.actor_id', 'in', paused)]),
      ])
    case 'expired':
      return eb.and([...live, eb('api_key.expires_at', 'is not', null), eb('api_key.expires_at', '<=', now)])
    case 'active':
      return eb.and([...live, eb.or([eb('api_key.expires_at', 'is', null), eb('api_key.expires_at', '>', now)])])
  }
}

/**
 * Reads the identities new keys join in the writing transaction, and throws 409 if one is gone:
 * a deletion between the request's check of it and this write (on SQLite, whose writers take turns,
 * the insert then failed its foreign key with a 500: a reviewer's find).
 *
 * PostgreSQL: held `for key share`, as the foreign keys would take them, and before the maker
 * (`isLiveProducer`). Deleting an identity holds it `for update` and then unlinks its keys, the maker
 * among them; holding the maker first and waiting for the identity at the insert deadlocked with it
 * (a reviewer's find: 503s). Now the create waits for the deletion to end, then finds it gone.
 */
async function holdIdentities(db: Kysely<Database>, dialect: Dialect, identityIds: readonly number[]): Promise<void> {
  const ids = [...new Set(identityIds)].sort((a, b) => a - b)
  if (ids.length === 0) return
  const q = db.selectFrom('identity').select('id').where('id', 'in', ids).orderBy('id')
  const held = await (dialect === 'postgres' ? q.forKeyShare() : q).execute()
  if (held.length < ids.length) throw identityGone()
}

/** Matches of a key start (`prefix=`) that SQLite sorts for a page; past it, it walks the sort index (`list`). */
const PREFIX_SORT_MAX = 2_000

/**
 * The keys `viewer` may see that match `f`'s filters (not its order or position); `prefixIndexed`
 * false keeps SQLite off the key_prefix index (`list`).
 */
function filteredKeys(
  db: Kysely<Database>,
  dialect: Dialect,
  viewer: Principal,
  f: KeyFilter,
  now: string,
  prefixIndexed = true,
) {
  let q = db.selectFrom('api_key')
  const visible = visibleActors(db, viewer)
  if (visible) q = q.where('api_key.actor_id', 'in', visible)
  if (f.actorId !== undefined) q = q.where('api_key.actor_id', '=', f.actorId)
  if (f.organizationId !== undefined) q = q.where('api_key.actor_id', 'in', organizationActors(db, [f.organizationId]))
  if (f.identityId !== undefined) q = q.where('api_key.identity_id', '=', f.identityId)
  if (f.kind) q = q.where('api_key.kind', '=', f.kind)
  if (f.createdByKeyId !== undefined) q = q.where('api_key.created_by_key_id', '=', f.createdByKeyId)
  if (f.madeByKeyId !== undefined) q = q.where(madeByKeys('api_key', [f.madeByKeyId], now))
  if (f.q) q = q.where(nameContains(dialect, 'api_key', f.q, true))
  if (f.prefix) q = q.where(keyPrefixStartsWith(dialect, 'api_key', f.prefix, prefixIndexed))
  if (f.scope !== undefined) q = q.where(scopesInclude(dialect, 'api_key', f.scope))
  if (f.status) {
    const candidates = visible ?? db.selectFrom('api_key').select('actor_id').distinct()
    q = q.where((eb) => statusCondition(eb, pausedAmong(candidates), f.status!, now))
  }
  return q
}

/**
 * The ids of one page in `f.sort` order after `f.after`: keys with a value first, then (nullable
 * columns) those without, each an index-ordered range scan. NULLs come last in both directions and
 * on both dialects, which disagree on where NULL sorts. Names sort as `nameOrder` says, alike on both.
 */
async function pageIds(q: ReturnType<typeof filteredKeys>, f: KeyFilter, dialect: Dialect): Promise<number[]> {
  const col = `api_key.${f.sort.field}` as const
  const key = f.sort.field === 'name' ? nameOrder(dialect) : sql.ref(col)
  const at = (v: string) => (f.sort.field === 'name' ? nameOrder(dialect, v) : sql.val(v))
  const dir = f.sort.order
  const cmp = dir === 'asc' ? '>' : '<'
  const after = f.after
  const ids: { id: number }[] = []
  if (!after || after.value !== null) {
    let withValue = q.where(col, 'is not', null)
    if (after)
      withValue = withValue.where((eb) =>
        eb.or([
          eb(key, cmp, at(after.value!)),
          eb.and([eb(key, '=', at(after.value!)), eb('api_key.id', cmp, after.id)]),
        ]),
      )
    ids.push(
      ...(await withValue.select('api_key.id').orderBy(key, dir).orderBy('api_key.id', dir).limit(f.limit).execute()),
    )
  }
  if (ids.length < f.limit && f.sort.field !== 'created_at') {
    let without = q.where(col, 'is', null)
    if (after?.value === null) without = without.where('api_key.id', cmp, after.id)
    const rest = f.limit - ids.length
    ids.push(...(await without.select('api_key.id').orderBy('api_key.id', dir).limit(rest).execute()))
  }
  return ids.map((r) => r.id)
}
