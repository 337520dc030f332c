import type { FastifyReply, FastifyRequest } from 'fastify'
import { KeywardError } from '../../../core/errors.js'
import type { AuthService } from '../../../services/auth/auth-service.js'
import { bearerToken, callContextOf } from '../../auth.js'
import { splitQuery } from './query-string.js'

/**
 * preHandler: the credential of a balena request (`Authorization: Bearer`, else
 * `?apikey=` as open-balena-api accepts), resolved by `auth.authenticate`; 401 otherwise.
 */
export function balenaAuthenticate(auth: AuthService) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerToken(req) ?? (splitQuery(req.url).get('apikey') || null)
    if (!token)
      throw new KeywardError('unauthorized', 'missing credentials: send Authorization: Bearer <token or API key>')
    req.principal = await auth.authenticate(token, callContextOf(req))
  }
}
