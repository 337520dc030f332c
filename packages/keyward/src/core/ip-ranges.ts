import ipaddr from 'ipaddr.js'

/** An address range: a network address and its prefix length, IPv4-mapped IPv6 ranges already folded to IPv4. */
export type IpRange = readonly [ipaddr.IPv4 | ipaddr.IPv6, number]

/** At most this many characters in a CIDR or an address (the longest IPv6 CIDR is 43, with a zone id a little more). */
const MAX_CHARS = 64

/**
 * Parses `a.b.c.d/n`, `x:y::z/n` or a bare address (a /32 or /128), or null when it is not one.
 * IPv4 must be four decimal parts: `10.1` and `0x7f.1` are refused, not read the way `inet_aton` would.
 * An IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) becomes the IPv4 range it names, so it matches
 * the IPv4 clients it describes (a dual-stack socket reports `::ffff:10.0.0.1`, which `parseAddress` folds too).
 */
export function parseRange(text: string): IpRange | null {
  if (text.length > MAX_CHARS || /\s/.test(text)) return null
  const [addr, bits, extra] = text.split('/')
  if (extra !== undefined || !addr) return null
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null
  if (ipaddr.IPv4.isValidFourPartDecimal(addr)) return v4Range(ipaddr.IPv4.parse(addr), bits ?? '32')
  if (!ipaddr.IPv6.isValid(addr) || addr.includes('%')) return null
  return v6Range(ipaddr.IPv6.parse(addr), bits ?? '128')
}

function v4Range(addr: ipaddr.IPv4, bits: string): IpRange | null {
  const n = Number(bits)
  return n <= 32 ? [addr, n] : null
}

function v6Range(addr: ipaddr.IPv6, bits: string): IpRange | null {
  const n = Number(bits)
  if (n > 128) return null
  // ::ffff:0:0/96 and narrower name IPv4 addresses; a wider range also holds IPv6 ones and stays IPv6.
  return addr.isIPv4MappedAddress() && n >= 96 ? [addr.toIPv4Address(), n - 96] : [addr, n]
}

/**
 * A client address as ranges are matched against it (IPv4-mapped IPv6 folded to IPv4), or null
 * when it is no address: a caller-supplied context that cannot be read matches nothing.
 */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (text.length > MAX_CHARS) return null
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text)
  if (!ipaddr.IPv6.isValid(text)) return null
  const a = ipaddr.IPv6.parse(text)
  return a.isIPv4MappedAddress() ? a.toIPv4Address() : a
}

/** Whether `addr` lies in `range` (different families never match). */
export function inRange(addr: ipaddr.IPv4 | ipaddr.IPv6, range: IpRange): boolean {
  return addr.kind() === range[0].kind() && addr.match(range[0], range[1])
}

/** Whether every address of `inner` lies in `outer`. */
export function rangeWithin(inner: IpRange, outer: IpRange): boolean {
  return inner[1] >= outer[1] && inRange(inner[0], outer)
}
