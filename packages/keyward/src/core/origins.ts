/**
 * Web origins a key may be used from (`origin_allow`). A pattern is `[scheme://][*.]host[:port]`:
 * without a scheme it means `https` (a key restricted to a site is not usable from its plain-HTTP twin
 * unless `http://` is written out); without a port, the scheme's default. `*.example.com` matches every
 * subdomain at any depth (`a.example.com`, `evil.com.example.com`: a name under example.com is
 * example.com's to give out) and neither `example.com` itself nor `example.com.evil` nor `badexample.com`.
 */
export interface OriginPattern {
  scheme: 'http' | 'https'
  /** Lower-case host; for a wildcard, the suffix after `*.`. */
  host: string
  wildcard: boolean
  /** Explicit port, '' for the scheme's default. */
  port: string
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const PATTERN = new RegExp(`^(?:(https?)://)?(\\*\\.)?(${LABEL}(?:\\.${LABEL})*)(?::(\\d{1,5}))?$`)
const ORIGIN = new RegExp(`^(https?)://(${LABEL}(?:\\.${LABEL})*)(?::(\\d{1,5}))?$`)
const DEFAULT_PORT = { http: '80', https: '443' } as const

/** Parses an `origin_allow` entry, or null when it is not one (paths, IPv6 literals, `*` alone, bad ports). */
export function parseOriginPattern(text: string): OriginPattern | null {
  const m = PATTERN.exec(text.toLowerCase())
  if (!m || text.length > 253) return null
  const scheme = (m[1] ?? 'https') as OriginPattern['scheme']
  const port = portOf(scheme, m[4])
  return port === null ? null : { scheme, wildcard: m[2] !== undefined, host: m[3]!, port }
}

/** The parts of an `Origin` header value, or null for anything else (`null`, a path, garbage). */
export function parseOrigin(text: string): Omit<OriginPattern, 'wildcard'> | null {
  if (text.length > 300) return null
  const m = ORIGIN.exec(text.toLowerCase())
  if (!m) return null
  const scheme = m[1] as OriginPattern['scheme']
  const port = portOf(scheme, m[3])
  return port === null ? null : { scheme, host: m[2]!, port }
}

/** '' for the default port (written or not), the port otherwise; null when out of range. */
function portOf(scheme: OriginPattern['scheme'], port: string | undefined): string | null {
  if (port === undefined) return ''
  const n = Number(port)
  if (n < 1 || n > 65535) return null
  return String(n) === DEFAULT_PORT[scheme] ? '' : String(n)
}

/** Whether an origin (as `parseOrigin` gives it) matches a pattern. */
export function originMatches(o: Omit<OriginPattern, 'wildcard'>, p: OriginPattern): boolean {
  if (o.scheme !== p.scheme || o.port !== p.port) return false
  return p.wildcard ? o.host.endsWith('.' + p.host) : o.host === p.host
}

/** Whether every origin `inner` matches is matched by `outer`. */
export function patternWithin(inner: OriginPattern, outer: OriginPattern): boolean {
  if (inner.scheme !== outer.scheme || inner.port !== outer.port) return false
  if (!outer.wildcard) return !inner.wildcard && inner.host === outer.host
  return inner.host.endsWith('.' + outer.host) || (inner.wildcard && inner.host === outer.host)
}
