import type { NamedLimit, Owner, VerifiableKey } from '../../core/types.js'
import type { KeyLookup } from '../../store/key-repository.js'

/** One shared, frozen empty list and object: most keys have no meta, many no scopes. */
const EMPTY_SCOPES: string[] = Object.freeze([]) as unknown as string[]
const EMPTY_META: Record<string, unknown> = Object.freeze({})

/** Interning tables are cleared when they reach this size: identity saves memory, it never decides an answer. */
const INTERN_LIMIT = 10_000
/** Scope lists longer than this (as JSON) are not interned: the table's key would cost more than it saves. */
const INTERN_MAX_CHARS = 512

/**
 * Makes what the verification cache keeps per key small (DESIGN.md, "Memory per cached key"):
 * only the fields verify reads or answers (`VerifiableKey`: no name, description, prefix or
 * timestamps), shared frozen empties, and one object per distinct owner and scope list among
 * the entries made recently. Everything it returns is deeply frozen, because verify hands the
 * cached scopes, meta and owner to callers without copying.
 */
export class EntryCompactor {
  private owners = new Map<number, Owner>()
  private scopeLists = new Map<string, string[]>()

  /** A frozen copy of `l` holding the same answers in fewer bytes. */
  compact(l: KeyLookup): KeyLookup {
    const k = l.key
    const key: VerifiableKey = {
      id: k.id,
      scopes: this.scopes(k.scopes),
      meta: frozenMeta(k.meta),
      expiresAt: k.expiresAt,
      disabledAt: k.disabledAt,
      userDeactivatedAt: k.userDeactivatedAt,
      revokedAt: k.revokedAt,
      ratelimits: frozenLimits(k.ratelimits),
      remaining: k.remaining,
      refill: k.refill && Object.freeze({ ...k.refill }),
    }
    return Object.freeze({
      key: Object.freeze(key),
      owner: this.owner(l.owner),
      role: l.role === 'admin' ? 'admin' : 'member',
      matchedPrevious: l.matchedPrevious,
      previousHashExpiresAt: l.previousHashExpiresAt,
      contextRule: l.contextRule, // compiled and frozen by the lookup
      holderUserId: l.holderUserId, // the cache's index (`VerifyCache`), not an answer
      makerActorId: l.makerActorId ?? null, // whom an organization's key acts for (`Principal.makerActorId`)
      makerUserId: l.makerUserId ?? null, // and whose memberships bound it (`AuthService.makerOf`)
      identity: l.identity && Object.freeze({ ...l.identity, ratelimits: frozenLimits(l.identity.ratelimits) }),
    })
  }

  /** The interned owner equal to `o` (same actor, same fields), or a frozen copy that becomes it. */
  private owner(o: Owner): Owner {
    const known = this.owners.get(o.actorId)
    if (
      known &&
      known.kind === o.kind &&
      known.id === o.id &&
      known.userId === o.userId &&
      known.applicationId === o.applicationId &&
      known.organizationId === o.organizationId
    )
      return known
    const copy = Object.freeze({
      kind: o.kind,
      id: o.id,
      actorId: o.actorId,
      userId: o.userId,
      applicationId: o.applicationId,
      organizationId: o.organizationId,
    })
    return remember(this.owners, o.actorId, copy)
  }

  private scopes(list: readonly string[]): string[] {
    if (list.length === 0) return EMPTY_SCOPES
    const joined = JSON.stringify(list) // unambiguous whatever characters a scope holds
    if (joined.length > INTERN_MAX_CHARS) return Object.freeze([...list]) as string[]
    return this.scopeLists.get(joined) ?? remember(this.scopeLists, joined, Object.freeze([...list]) as string[])
  }
}

/** Most keys have no named limit: one shared frozen empty list. */
const NO_LIMITS: readonly NamedLimit[] = Object.freeze([])

function frozenLimits(list: readonly NamedLimit[]): readonly NamedLimit[] {
  return list.length === 0 ? NO_LIMITS : Object.freeze(list.map((l) => Object.freeze({ ...l })))
}

function frozenMeta(meta: Record<string, unknown>): Record<string, unknown> {
  return Object.keys(meta).length === 0 ? EMPTY_META : deepFreeze(meta)
}

function remember<K, V>(table: Map<K, V>, key: K, value: V): V {
  if (table.size >= INTERN_LIMIT) table.clear()
  table.set(key, value)
  return value
}

/** Freezes an object and everything it holds (cached entries are shared by every reader). */
export function deepFreeze<T extends object>(o: T): T {
  Object.freeze(o)
  for (const v of Object.values(o))
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) deepFreeze(v as object)
  return o
}
