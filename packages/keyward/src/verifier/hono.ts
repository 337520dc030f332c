import type { VerifyResult } from '../core/verify-result.js'
import type { KeywardVerifier } from './index.js'
import { keyFromHeaders, refusalOf } from './refusal.js'

/** The part of Hono's Context this middleware uses; typed structurally so hono is not a dependency. */
export interface HonoLikeContext {
  req: { header(name: string): string | undefined }
  set(key: 'apiKey', value: VerifyResult): void
  json(body: unknown, status?: number, headers?: Record<string, string>): Response
}

/** Options of the Hono middleware. */
export interface KeywardHonoOptions {
  verifier: KeywardVerifier
  /** Scopes every request's key must hold. */
  scopes?: readonly string[]
}

/**
 * Hono middleware: verifies in-process, `c.set('apiKey', result)` and continues;
 * otherwise answers 401/403/429 with Keyward's JSON error envelope.
 * Declare `Variables: { apiKey: VerifyResult }` on the app to read it typed.
 */
export function keywardHono(opts: KeywardHonoOptions) {
  const scopes = opts.scopes && opts.scopes.length > 0 ? { scopes: opts.scopes } : undefined
  // Not async: a cached key is answered by `verifySync`, and the promise is `next()`'s own.
  return (c: HonoLikeContext, next: () => Promise<void>): Promise<Response | void> => {
    const key = keyFromHeaders(c.req.header('authorization'), c.req.header('x-api-key'))
    const now = key === null ? null : opts.verifier.verifySync(key, scopes)
    if (now !== undefined) return admit(c, next, now)
    return opts.verifier.verify(key!, scopes).then((result) => admit(c, next, result))
  }
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
