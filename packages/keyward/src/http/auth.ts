import type { FastifyReply, FastifyRequest } from 'fastify'
import { KeywardError } from '../core/errors.js'
import type { CallContext } from '../core/restrictions.js'
import type { Principal } from '../core/types.js'
import type { AuthService } from '../services/auth/auth-service.js'
import type { RequestContext } from '../services/context.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
}

/** The bearer token of a request, if any. */
export function bearerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization
  if (!h) return null
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h)
  return m ? m[1]! : null
}

/**
 * Where a request comes from, for a key's restrictions: its client address (`req.ip`, which
 * honours KEYWARD_TRUST_PROXY: without it a client's X-Forwarded-For is not believed) and its Origin.
 */
export function callContextOf(req: FastifyRequest): CallContext {
  const origin = req.headers.origin
  return typeof origin === 'string' ? { ip: req.ip, origin } : { ip: req.ip }
}

/** preHandler: resolves the bearer credential to a principal, or answers 401. */
export function authenticate(auth: AuthService) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerToken(req)
    if (!token)
      throw new KeywardError(
        'unauthorized',
        'missing credentials: send Authorization: Bearer <session token or API key>',
      )
    req.principal = await auth.authenticate(token, callContextOf(req))
  }
}

/** The request context of an authenticated request. */
export function ctxOf(req: FastifyRequest): RequestContext {
  if (!req.principal) throw new KeywardError('unauthorized', 'not authenticated')
  return { principal: req.principal, ip: req.ip }
}
