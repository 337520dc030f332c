import { type LookupAddress, lookup } from 'node:dns'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'
import { KeywardError, invalidField } from '../../core/errors.js'

/**
 * The SSRF guard. A webhook may only reach global unicast addresses (unless
 * `KEYWARD_WEBHOOK_ALLOW_PRIVATE=1`): ipaddr.js's special-purpose registry (IANA's) refuses
 * unspecified, loopback, private, ULA, carrier-grade NAT, link-local (cloud metadata at
 * 169.254.169.254), benchmarking, documentation, multicast, broadcast and reserved ranges, and the
 * IPv6 ranges that embed or translate an IPv4 address (6to4, Teredo, NAT64, SIIT); IPv6 must
 * also lie in 2000::/3, which leaves out IPv4-compatible `::a.b.c.d`, the local-use NAT64 prefix,
 * site-local `fec0::/10` and whatever the registry does not name. IPv4-mapped IPv6 is judged as IPv4.
 */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3')

/**
 * Public addresses that still reach a cloud host's own services from inside a VM: Azure's
 * WireServer (168.63.129.16: the host agent, DHCP, DNS). The other clouds' metadata endpoints sit
 * in ranges refused above (169.254.169.254, Alibaba's 100.100.100.200, AWS's fd00:ec2::254).
 */
const CLOUD_HOST_ADDRESSES = new Set(['168.63.129.16'])

/** Whether an IP address is one a webhook may not reach. */
export function isRefusedAddress(address: string): boolean {
  if (isIP(address) === 0) return true
  const ip = ipaddr.process(address)
  if (ip.range() !== 'unicast' || CLOUD_HOST_ADDRESSES.has(ip.toNormalizedString())) return true
  return ip.kind() === 'ipv6' && !ip.match(GLOBAL_UNICAST_V6)
}

/** How an operator lets such targets through (a new user looked it up in the README). */
export const PRIVATE_HINT = ' (a server started with KEYWARD_WEBHOOK_ALLOW_PRIVATE=1 allows them, for tests and labs)'

/** A `webhook_target_refused` error naming why. */
export const refusedTarget = (why: string): KeywardError =>
  new KeywardError('webhook_target_refused', `this webhook URL is refused: ${why}`)

/**
 * A string that is no http(s) URL at all is bad input (400 `validation_failed` on `url`), not a refused
 * target: `webhook_target_refused` tells its reader the URL is fine but where it points is not (a new user's find).
 */
const notHttpUrl = (): KeywardError => invalidField('url', 'The webhook URL is not a valid http(s) URL')

/** Parses a webhook URL: http(s), no credentials; a literal IP is checked here, a name when it resolves. */
export function parseTarget(raw: string, allowPrivate: boolean): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw notHttpUrl()
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw notHttpUrl()
  if (url.username || url.password) throw refusedTarget('credentials in the URL are not allowed')
  // WHATWG URLs keep port 0, which no server listens on; the HTTP client then used the default port.
  if (url.port === '0') throw refusedTarget('port 0 is not a port')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!allowPrivate && isIP(host) !== 0 && isRefusedAddress(host))
    throw refusedTarget(`it is a loopback, link-local or private address${PRIVATE_HINT}`)
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
        return callback(
          refusedTarget(`${hostname} resolves to a loopback, link-local or private address${PRIVATE_HINT}`),
          [],
        )
      }
      if (options.all) return callback(null, addresses)
      const first = addresses[0]!
      callback(null, first.address, first.family)
    })
  }
}
