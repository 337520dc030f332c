import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { VerifyResult } from '../core/verify-result.js'
import type { KeywardVerifier } from './index.js'
import { callContext } from './call-context.js'
import { type ChargeOptions, chargeOf } from './charge.js'
import { keyFromHeaders, refusalOf } from './refusal.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified key of this request, set by the keyward plugin. */
    apiKey: VerifyResult | null
  }
}

/**
 * Options of the Fastify plugin. `ratelimits` and `cost` are charged per request, as by `POST /v1/keys/verify`;
 * a function of the request sees it in `onRequest` (route and headers such as `content-length`; no parsed body).
 */
export interface KeywardFastifyOptions extends ChargeOptions<FastifyRequest> {
  verifier: KeywardVerifier
  /** Scopes every request's key must hold. */
  scopes?: readonly string[]
  /** Where the key is; default `Authorization: Bearer`, then `X-API-Key`. */
  extractKey?: (req: FastifyRequest) => string | null
}

/**
 * Fastify plugin: verifies each request's key in-process (`onRequest`), sets
 * `request.apiKey`, and answers 401/403/429 with Keyward's error envelope when
 * refused. Not encapsulated, so it guards the routes of the scope it is registered in.
 */
export const keywardFastify: FastifyPluginAsync<KeywardFastifyOptions> = async (app, opts) => {
  const extract =
    opts.extractKey ??
    ((req: FastifyRequest) => keyFromHeaders(req.headers.authorization, header(req.headers['x-api-key'])))
  const scopes = opts.scopes && opts.scopes.length > 0 ? opts.scopes : undefined
  const charge = chargeOf(opts)
  app.decorateRequest('apiKey', null)
  // Callback style, not async: a cached key is answered by `verifySync` without a promise.
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const key = extract(req)
    // `req.ip` follows the app's own `trustProxy`: without it, X-Forwarded-For is not believed.
    const call = { scopes, context: callContext(req.ip, req.headers.origin), ...charge(req) }
    const now = key === null ? null : opts.verifier.verifySync(key, call)
    if (now !== undefined) return admit(req, reply, now, done)
    opts.verifier.verify(key!, call).then((result) => admit(req, reply, result, done), done)
  })
}

/** Continues with `request.apiKey` set, or answers the refusal (a hook that replies does not call `done`). */
function admit(req: FastifyRequest, reply: FastifyReply, result: VerifyResult | null, done: () => void): void {
  if (result?.valid) {
    req.apiKey = result
    return done()
  }
  const r = refusalOf(result)
  reply.status(r.status).headers(r.headers).send(r.body)
}
// What fastify-plugin does: let the hook and decorator apply to the registering scope.
Object.assign(keywardFastify, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'keyward' })

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}
