import type { VerifyResult } from '../core/verify-result.js'
import type { KeywardVerifier } from './index.js'
import { type TrustProxy, callContext, clientIp, compileTrust } from './call-context.js'
import { type ChargeOptions, chargeOf } from './charge.js'
import { keyFromHeaders, refusalOf } from './refusal.js'

/** The part of Hono's Context this middleware uses; typed structurally so hono is not a dependency. */
export interface HonoLikeContext {
  req: { header(name: string): string | undefined; path: string; method: string }
  /** On @hono/node-server, `{incoming, outgoing}`: where the socket's peer address is found. */
  env?: unknown
  set(key: 'apiKey', value: VerifyResult): void
  json(body: unknown, status?: number, headers?: Record<string, string>): Response
}

/**
 * Options of the Hono middleware. `ratelimits` and `cost` are charged per request, as by `POST /v1/keys/verify`;
 * a function receives the context (`c.req.path`, `c.req.header('content-length')`, …).
 */
export interface KeywardHonoOptions<C extends HonoLikeContext = HonoLikeContext> extends ChargeOptions<C> {
  verifier: KeywardVerifier
  /** Scopes every request's key must hold. */
  scopes?: readonly string[]
  /** Proxies whose X-Forwarded-For is believed, for keys restricted by address; unset: none. */
  trustProxy?: TrustProxy
  /**
   * The socket's peer address. Default: @hono/node-server's `c.env.incoming.socket.remoteAddress`;
   * other runtimes pass theirs (e.g. from `getConnInfo`), else address-restricted keys are refused.
   */
  peerAddress?: (c: HonoLikeContext) => string | undefined
}

/**
 * Hono middleware: verifies in-process, `c.set('apiKey', result)` and continues;
 * otherwise answers 401/403/429 with Keyward's JSON error envelope.
 * Declare `Variables: { apiKey: VerifyResult }` on the app to read it typed.
 */
export function keywardHono<C extends HonoLikeContext = HonoLikeContext>(opts: KeywardHonoOptions<C>) {
  const scopes = opts.scopes && opts.scopes.length > 0 ? opts.scopes : undefined
  const trust = compileTrust(opts.trustProxy)
  const peer = opts.peerAddress ?? nodeServerPeer
  const charge = chargeOf(opts)
  // Not async: a cached key is answered by `verifySync`, and the promise is `next()`'s own.
  return (c: C, next: () => Promise<void>): Promise<Response | void> => {
    const key = keyFromHeaders(c.req.header('authorization'), c.req.header('x-api-key'))
    const ip = clientIp({ socket: { remoteAddress: peer(c) }, headers: forwardedFor(c) } as never, trust)
    const call = { scopes, context: callContext(ip, c.req.header('origin')), ...charge(c) }
    const now = key === null ? null : opts.verifier.verifySync(key, call)
    if (now !== undefined) return admit(c, next, now)
    return opts.verifier.verify(key!, call).then((result) => admit(c, next, result))
  }
}

function nodeServerPeer(c: HonoLikeContext): string | undefined {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress
}

function forwardedFor(c: HonoLikeContext): Record<string, string> {
  const xff = c.req.header('x-forwarded-for')
  return xff === undefined ? {} : { 'x-forwarded-for': xff }
}

/** Continues with `apiKey` set, or answers the refusal. */
function admit(c: HonoLikeContext, next: () => Promise<void>, result: VerifyResult | null): Promise<Response | void> {
  if (result?.valid) {
    c.set('apiKey', result)
    return next()
  }
  const r = refusalOf(result)
  return Promise.resolve(c.json(r.body, r.status, r.headers))
}
