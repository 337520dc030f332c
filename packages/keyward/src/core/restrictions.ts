import { type IpRange, inRange, parseAddress, parseRange, rangeWithin } from './ip-ranges.js'
import { type OriginPattern, originMatches, parseOrigin, parseOriginPattern, patternWithin } from './origins.js'

/**
 * Where a key may be used (DESIGN.md, "Context restrictions"): client addresses (IPv4/IPv6 CIDRs)
 * and web origins. An absent or empty list does not restrict; a key with a list is refused
 * (`FORBIDDEN_CONTEXT`) when the call's context does not match it or does not say.
 */
export interface Restrictions {
  ip_allow?: string[]
  origin_allow?: string[]
}

/** What a verification knows about where the call came from: the client address and its `Origin` header. */
export interface CallContext {
  ip?: string
  origin?: string
}

/** Restrictions compiled once per cached key: `allows` parses only the call's own context. */
export interface ContextRule {
  allows(ctx: CallContext | undefined): boolean
}

/** At most this many entries per list: matching is a scan, and a key names a few networks or sites. */
export const MAX_RESTRICTION_ENTRIES = 100

/** The stored form: empty lists dropped, null when nothing restricts. Throws nothing; see `restrictionsProblem`. */
export function normalizeRestrictions(r: Restrictions | null | undefined): Restrictions | null {
  if (!r) return null
  const out: Restrictions = {}
  if (r.ip_allow && r.ip_allow.length > 0) out.ip_allow = [...r.ip_allow]
  if (r.origin_allow && r.origin_allow.length > 0) out.origin_allow = r.origin_allow.map((o) => o.toLowerCase())
  return out.ip_allow || out.origin_allow ? out : null
}

/** The first invalid entry as `{field, message}` (e.g. `restrictions.ip_allow[2]`), or null. */
export function restrictionsProblem(r: Restrictions | null | undefined): { field: string; message: string } | null {
  for (const [i, cidr] of (r?.ip_allow ?? []).entries())
    if (!parseRange(cidr))
      return { field: `restrictions.ip_allow[${i}]`, message: `"${cidr}" is not an IPv4 or IPv6 address or CIDR` }
  for (const [i, o] of (r?.origin_allow ?? []).entries())
    if (!parseOriginPattern(o))
      return {
        field: `restrictions.origin_allow[${i}]`,
        message: `"${o}" is not an origin pattern ([https://][*.]host[:port])`,
      }
  return null
}

/** The rule of valid restrictions (invalid entries match nothing), or null when nothing restricts. */
export function compileRestrictions(r: Restrictions | null): ContextRule | null {
  const ranges = (r?.ip_allow ?? []).map(parseRange).filter((x): x is IpRange => x !== null)
  const origins = (r?.origin_allow ?? []).map(parseOriginPattern).filter((x): x is OriginPattern => x !== null)
  const byIp = (r?.ip_allow?.length ?? 0) > 0
  const byOrigin = (r?.origin_allow?.length ?? 0) > 0
  if (!byIp && !byOrigin) return null
  return Object.freeze({
    allows: (ctx: CallContext | undefined) =>
      (!byIp || ipAllowed(ctx?.ip, ranges)) && (!byOrigin || originAllowed(ctx?.origin, origins)),
  })
}

function ipAllowed(ip: string | undefined, ranges: readonly IpRange[]): boolean {
  const addr = ip === undefined ? null : parseAddress(ip)
  return addr !== null && ranges.some((range) => inRange(addr, range))
}

function originAllowed(origin: string | undefined, patterns: readonly OriginPattern[]): boolean {
  const o = origin === undefined ? null : parseOrigin(origin)
  return o !== null && patterns.some((p) => originMatches(o, p))
}

/**
 * Why `inner` allows a context `outer` refuses (the derivation rule's check, core/authz.ts), or null.
 * Conservative: each entry of `inner` must lie within one entry of `outer`; a range covered only by
 * the union of two parent ranges is refused (split it).
 */
export function excessRestrictions(outer: Restrictions | null, inner: Restrictions | null): string | null {
  if (!listWithin(outer?.ip_allow, inner?.ip_allow, parseRange, rangeWithin))
    return "its ip_allow would admit addresses this credential's restrictions refuse"
  if (!listWithin(outer?.origin_allow, inner?.origin_allow, parseOriginPattern, patternWithin))
    return "its origin_allow would admit origins this credential's restrictions refuse"
  return null
}

function listWithin<T>(
  outer: readonly string[] | undefined,
  inner: readonly string[] | undefined,
  parse: (s: string) => T | null,
  within: (i: T, o: T) => boolean,
): boolean {
  if (!outer || outer.length === 0) return true
  if (!inner || inner.length === 0) return false
  const outs = outer.map(parse).filter((x): x is T => x !== null)
  return inner.every((s) => {
    const i = parse(s)
    return i !== null && outs.some((o) => within(i, o))
  })
}
