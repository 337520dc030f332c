import type { IncomingMessage } from 'node:http'
import proxyaddr from '@fastify/proxy-addr'
import type { CallContext } from '../core/restrictions.js'

/**
 * Which proxies in front of your app may report the client's address (X-Forwarded-For), as
 * `KEYWARD_TRUST_PROXY` says it: a hop count, or the proxies' addresses/CIDRs. Never "trust all":
 * then any client could name the address a key is restricted to.
 */
export type TrustProxy = number | readonly string[]

/** A proxy-addr trust function for `tp`; undefined (or 0, or an empty list): the socket's peer is the client. */
export function compileTrust(tp: TrustProxy | undefined): (addr: string, hop: number) => boolean {
  if (typeof tp === 'number') return (_addr, hop) => hop < tp
  if (!tp || tp.length === 0) return () => false
  return proxyaddr.compile([...tp])
}

/** The client address of a node:http request: its peer, or what trusted proxies reported. */
export function clientIp(
  req: Pick<IncomingMessage, 'socket' | 'headers'>,
  trust: (addr: string, hop: number) => boolean,
): string | undefined {
  if (!req.socket?.remoteAddress) return undefined
  return proxyaddr(req as IncomingMessage, trust)
}

/** The context a verification needs from a request: its client address and its Origin header, when known. */
export function callContext(ip: string | undefined, origin: string | string[] | undefined): CallContext {
  const ctx: CallContext = {}
  if (ip) ctx.ip = ip
  if (typeof origin === 'string') ctx.origin = origin
  return ctx
}
