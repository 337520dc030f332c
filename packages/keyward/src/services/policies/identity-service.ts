import { setImmediate as nextTurn } from 'node:timers/promises'
import { KeywardError, invalid, notFound } from '../../core/errors.js'
import { requireScope, requireUnbounded } from '../../core/authz.js'
import type { Clock } from '../../core/clock.js'
import { creditColumns, settlesDueRefill, withoutSameRefill } from '../../core/limits.js'
import { serializeMeta } from '../../core/meta.js'
import type { Identity, Refill } from '../../core/types.js'
import { isUniqueViolation } from '../../store/database.js'
import type { IdentityColumns, IdentityRepository } from '../../store/identity-repository.js'
import type { KeyRepository } from '../../store/key-repository.js'
import type { AuditLog, AuditTarget } from '../auth/audit-log.js'
import { type RequestContext, producerOf } from '../context.js'
import type { VerifyCache } from '../keys/verify-cache.js'
import type { IdentityAccess } from './identity-access.js'
import { type NamedLimitInput, limitsAfter } from './key-limits.js'

/** The fields of an identity write that bind its keys (core/authz.ts `requireUnbounded`). */
const LIMIT_FIELDS = ['ratelimits', 'remaining', 'refill'] as const

/** Keys an identity's deletion unlinks per transaction, or its update evicts per read (1,000: 7 ms on SQLite). */
const UNLINK_CHUNK = 1_000

/** The fields of an identity write (create: `external_id` required). */
export interface IdentityInput {
  external_id?: string
  meta?: Record<string, unknown>
  ratelimits?: readonly NamedLimitInput[]
  remaining?: number | null
  refill?: Refill | null
}

const MAX_LIST = 100

/**
 * Identities: one customer's limits and credits, shared by every key linked to it. Managed
 * with the `keys:read` / `keys:write` scopes (they are part of key policy). Every write evicts
 * the cached entries of its keys on every node before it returns (a cached key carries its
 * identity's limits), and is audited.
 */
export class IdentityService {
  constructor(
    private readonly identities: IdentityRepository,
    private readonly access: IdentityAccess,
    private readonly keys: KeyRepository,
    private readonly cache: VerifyCache,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** A new identity of the caller's owner; `external_id` is unique per owner (409 otherwise). */
  async create(ctx: RequestContext, input: IdentityInput & { external_id: string }): Promise<Identity> {
    requireScope(ctx.principal, 'keys:write')
    checkCredits(input.remaining ?? null, input.refill ?? null)
    const now = this.clock.now().toISOString()
    try {
      const identity = await this.identities.insert({
        owner_actor_id: ctx.principal.owner.actorId,
        external_id: input.external_id,
        meta: serializeMeta(input.meta ?? {}),
        ratelimits: JSON.stringify(limitsAfter([], input) ?? []),
        remaining: input.remaining ?? null,
        refill_amount: input.refill?.amount ?? null,
        refill_interval_s: input.refill?.interval_s ?? null,
        last_refill_at: input.refill ? now : null,
        created_at: now,
        updated_at: now,
      })
      await this.audit.record(ctx, 'identity.create', target(identity), { external_id: identity.externalId })
      return identity
    } catch (e) {
      if (isUniqueViolation(e)) throw externalIdTaken(input.external_id)
      throw e
    }
  }

  async get(ctx: RequestContext, id: number): Promise<Identity> {
    requireScope(ctx.principal, 'keys:read')
    return (await this.access.findVisible(ctx, id)).identity
  }

  /** Identities the caller may see, newest first; `external_id` narrows to (at most one per owner). */
  list(ctx: RequestContext, q: { external_id?: string; limit?: number }): Promise<Identity[]> {
    requireScope(ctx.principal, 'keys:read')
    return this.identities.list(ctx.principal, { externalId: q.external_id, limit: Math.min(q.limit ?? 100, MAX_LIST) })
  }

  async update(ctx: RequestContext, id: number, input: IdentityInput): Promise<Identity> {
    requireScope(ctx.principal, 'keys:write')
    const { identity } = await this.access.findManageable(ctx, id)
    await this.requireNotOwn(ctx, id, 'change')
    if (LIMIT_FIELDS.some((f) => input[f] !== undefined))
      requireUnbounded(await producerOf(ctx, this.keys), "change an identity's shared limits or credits")
    const remaining = input.remaining === undefined ? identity.remaining : input.remaining
    checkCredits(remaining, input.refill === undefined ? identity.refill : input.refill)
    const patch = await this.updateColumns(identity, input)
    let updated: Identity | undefined
    try {
      updated = await this.identities.update(id, patch)
    } catch (e) {
      if (isUniqueViolation(e)) throw externalIdTaken(input.external_id!)
      throw e
    }
    if (!updated) throw notFound('identity')
    // Cached keys hold the identity's limits and credits only (`VerifiableIdentity`): a change of
    // its meta or external_id reads 25,000 keys' hashes for nothing (a tester's find).
    if (LIMIT_FIELDS.some((f) => input[f] !== undefined)) await this.evictKeys(id)
    await this.audit.record(ctx, 'identity.update', target(updated), { fields: Object.keys(input) })
    return updated
  }

  /** Deletes it; its keys stay, unlinked (and so no longer bound by its limits). */
  async delete(ctx: RequestContext, id: number): Promise<void> {
    requireScope(ctx.principal, 'keys:write')
    const { identity } = await this.access.findManageable(ctx, id)
    await this.requireNotOwn(ctx, id, 'delete')
    // Deleting it unlinks its keys from its shared limits and credits.
    requireUnbounded(await producerOf(ctx, this.keys), 'delete an identity')
    for (let n = UNLINK_CHUNK; n === UNLINK_CHUNK; await nextTurn()) {
      const { unlinked, hashes } = await this.identities.unlinkKeys(id, UNLINK_CHUNK)
      await this.cache.invalidate(hashes)
      n = unlinked
    }
    const rest = await this.identities.delete(id)
    if (rest === null) throw notFound('identity')
    await this.cache.invalidate(rest)
    await this.audit.record(ctx, 'identity.delete', target(identity), { external_id: identity.externalId })
  }

  /** A key linked to an identity may not loosen or drop the limits that bind it (rights never grow). */
  private async requireNotOwn(ctx: RequestContext, id: number, what: string): Promise<void> {
    const producer = await producerOf(ctx, this.keys)
    if (producer.bounds.identityId === id)
      throw new KeywardError('forbidden', `a key cannot ${what} the identity whose limits bind it`)
  }

  /** Evicts its keys from every node's cache, `UNLINK_CHUNK` keys a read, a loop turn apart. */
  private async evictKeys(id: number): Promise<void> {
    for (let after = 0; after >= 0; await nextTurn()) {
      const chunk = await this.keys.hashesOfIdentity(id, after, UNLINK_CHUNK)
      await this.cache.invalidate(chunk.hashes)
      after = chunk.lastId ?? -1
    }
  }

  /**
   * The columns a PATCH of `identity` writes, once a due refill has landed when the PATCH names
   * credits (core/limits.ts `settlesDueRefill`).
   */
  private async updateColumns(identity: Identity, input: IdentityInput): Promise<Partial<IdentityColumns>> {
    const now = this.clock.now()
    const named = withoutSameRefill(input, identity.refill)
    if (settlesDueRefill(identity, named, now)) await this.identities.applyDueRefill(identity.id, now, identity.refill!)
    const patch: Partial<IdentityColumns> = {
      ...columnsOf(named, identity.ratelimits),
      updated_at: now.toISOString(),
    }
    if (input.meta !== undefined) patch.meta = serializeMeta(input.meta)
    return { ...patch, ...creditColumns(named, now) }
  }
}

/** The columns an input sets besides meta (serialised) and the credits (`creditColumns`, which need the stored ones). */
function columnsOf(input: IdentityInput, current: Identity['ratelimits']): Partial<IdentityColumns> {
  const out: Partial<IdentityColumns> = {}
  if (input.external_id !== undefined) out.external_id = input.external_id
  const ratelimits = limitsAfter(current, input)
  if (ratelimits !== undefined) out.ratelimits = JSON.stringify(ratelimits)
  if (input.refill !== undefined) {
    out.refill_amount = input.refill?.amount ?? null
    out.refill_interval_s = input.refill?.interval_s ?? null
  }
  return out
}

function checkCredits(remaining: number | null, refill: Refill | null): void {
  if (refill && remaining === null) throw invalid('refill needs credits (remaining)', { field: 'refill' })
}

const target = (i: Identity): AuditTarget => ({ type: 'identity', id: i.id, ownerActorId: i.ownerActorId })
const externalIdTaken = (externalId: string) =>
  new KeywardError('conflict', `an identity with external_id "${externalId}" already exists for this owner`, {
    details: { field: 'external_id' },
  })
