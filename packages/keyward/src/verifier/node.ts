import type { IncomingMessage, ServerResponse } from 'node:http'
import type { VerifyResult } from '../core/verify-result.js'
import type { KeywardVerifier, VerifyCallOptions } from './index.js'
import { type TrustProxy, callContext, clientIp, compileTrust } from './call-context.js'
import { type ChargeOptions, chargeOf } from './charge.js'
import { keyFromHeaders, refusalOf } from './refusal.js'

/**
 * Options of the Node http / Express-style middleware. `ratelimits` and `cost` are charged per request, as by
 * `POST /v1/keys/verify`; a function of the request sees what the middlewares before this one set.
 */
export interface KeywardMiddlewareOptions extends ChargeOptions<VerifiedRequest> {
  verifier: KeywardVerifier
  /** Scopes every request's key must hold. */
  scopes?: readonly string[]
  /** Where the key is; default `Authorization: Bearer`, then `X-API-Key`. */
  extractKey?: (req: IncomingMessage) => string | null
  /**
   * Proxies whose X-Forwarded-For is believed, for keys restricted by address (`ip_allow`). Unset:
   * Express's `req.ip` when there is one (it follows the app's `trust proxy`), else the socket's peer.
   */
  trustProxy?: TrustProxy
}

/** A request after the middleware accepted it. */
export type VerifiedRequest = IncomingMessage & { apiKey?: VerifyResult; ip?: string }

/**
 * `(req, res, next)` middleware for Express, Connect, Polka or plain `node:http`:
 * verifies in-process, sets `req.apiKey` and calls `next()`; otherwise answers
 * 401/403/429 with Keyward's JSON error envelope. A failure (database down) goes to `next(err)`.
 */
export function keywardMiddleware(opts: KeywardMiddlewareOptions) {
  const extract =
    opts.extractKey ??
    ((req: IncomingMessage) => keyFromHeaders(req.headers.authorization, first(req.headers['x-api-key'])))
  const scopes = opts.scopes && opts.scopes.length > 0 ? opts.scopes : undefined
  const trust = compileTrust(opts.trustProxy)
  const charge = chargeOf(opts)
  const ipOf = (req: VerifiedRequest) =>
    opts.trustProxy === undefined && typeof req.ip === 'string' ? req.ip : clientIp(req, trust)
  return (req: VerifiedRequest, res: ServerResponse, next: (err?: unknown) => void): void => {
    const key = extract(req)
    let call: VerifyCallOptions
    try {
      call = { scopes, context: callContext(ipOf(req), req.headers.origin), ...charge(req) }
    } catch (e) {
      return next(e) // the app's cost function failed, or gave a cost out of range
    }
    // A cached key is answered by `verifySync`: no promise, `next()` in the same tick.
    const now = key === null ? null : opts.verifier.verifySync(key, call)
    if (now !== undefined) return admit(req, res, next, now)
    opts.verifier.verify(key!, call).then((result) => admit(req, res, next, result), next)
  }
}

/** Calls `next()` with `req.apiKey` set, or answers the refusal. */
function admit(req: VerifiedRequest, res: ServerResponse, next: () => void, result: VerifyResult | null): void {
  if (result?.valid) {
    req.apiKey = result
    return next()
  }
  const r = refusalOf(result)
  res.writeHead(r.status, { ...r.headers, 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(r.body))
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}
