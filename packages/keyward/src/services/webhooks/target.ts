import { type LookupAddress, lookup } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import { KeywardError } from '../../core/errors.js'

/**
 * The SSRF guard. Addresses a webhook may never reach (unless `KEYWARD_WEBHOOK_ALLOW_PRIVATE=1`):
 * unspecified, loopback, private (RFC 1918, ULA), carrier-grade NAT, link-local (cloud metadata
 * at 169.254.169.254), benchmarking, multicast and reserved ranges. IPv4-mapped IPv6 is checked as IPv4.
 */
const REFUSED = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  REFUSED.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  REFUSED.addSubnet(net, bits, 'ipv6')

/** Whether an IP address is one a webhook may not reach. */
export function isRefusedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  if (mapped) return isRefusedAddress(mapped)
  const family = isIP(address)
  if (family === 0) return true
  return REFUSED.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** A `webhook_target_refused` error naming why. */
export const refusedTarget = (why: string): KeywardError =>
  new KeywardError('webhook_target_refused', `this webhook URL is refused: ${why}`)

/** Parses a webhook URL: http(s), no credentials; a literal IP is checked here, a name when it resolves. */
export function parseTarget(raw: string, allowPrivate: boolean): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw refusedTarget('not a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refusedTarget('only http and https are allowed')
  if (url.username || url.password) throw refusedTarget('credentials in the URL are not allowed')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!allowPrivate && isIP(host) !== 0 && isRefusedAddress(host))
    throw refusedTarget('it is a loopback, link-local or private address')
  return url
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A `lookup` for `http.request` that refuses private addresses. It is the resolution the socket
 * connects with, so the address checked is the address used (no DNS-rebinding window).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, [])
      if (!allowPrivate && addresses.some((a) => isRefusedAddress(a.address))) {
        return callback(refusedTarget(`${hostname} resolves to a loopback, link-local or private address`), [])
      }
      if (options.all) return callback(null, addresses)
      const first = addresses[0]!
      callback(null, first.address, first.family)
    })
  }
}
