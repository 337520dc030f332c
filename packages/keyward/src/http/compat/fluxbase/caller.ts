import type { FastifyRequest } from 'fastify'
import { KeywardError } from '../../../core/errors.js'
import type { Principal } from '../../../core/types.js'
import type { RequestContext } from '../../../services/context.js'
import type { Services } from '../../../services/index.js'
import { bearerToken, callContextOf } from '../../auth.js'
import { keyWord } from './errors.js'

/** Headers a Fluxbase client sends a key in (v0.2.0, 2026). `apikey` is the anon key, never a credential. */
const KEY_HEADERS = ['x-client-key', 'x-api-key', 'clientkey'] as const

/** Why a key header was refused, in Fluxbase's words. */
const refusal: Record<string, string> = {
  REVOKED: 'has been revoked',
  EXPIRED: 'has expired',
  DISABLED: 'has been disabled',
}

function keyHeader(req: FastifyRequest): string | null {
  for (const h of KEY_HEADERS) {
    const v = req.headers[h]
    if (typeof v === 'string' && v.trim() !== '') return v.trim()
  }
  return null
}

/**
 * The caller of a Fluxbase request: a valid bearer (session token or key) wins,
 * else the key header. A bearer that is not ours (a signed-out 2026 client's anon
 * key) is ignored when a key header is present. All checks are AuthService's.
 */
export async function fluxbaseCaller(services: Services, req: FastifyRequest): Promise<RequestContext> {
  const bearer = bearerToken(req)
  const key = keyHeader(req)
  if (bearer) {
    try {
      return { principal: await services.auth.authenticate(bearer, callContextOf(req)), ip: req.ip }
    } catch (e) {
      if (!key || !(e instanceof KeywardError && e.code === 'unauthorized'))
        throw e instanceof KeywardError && e.code === 'unauthorized' ? invalidToken() : e
    }
  }
  if (!key) throw new KeywardError('unauthorized', 'Authentication required')
  const word = keyWord(req.url)
  let principal: Principal
  try {
    principal = await services.auth.authenticate(key, callContextOf(req))
  } catch (e) {
    if (!(e instanceof KeywardError && e.code === 'unauthorized')) throw e
    const code = (e.details as { code?: string } | undefined)?.code ?? ''
    throw new KeywardError('unauthorized', refusal[code] ? `${word} ${refusal[code]}` : `Invalid ${word}`)
  }
  if (principal.via !== 'key') throw new KeywardError('unauthorized', `Invalid ${word}`)
  return { principal, ip: req.ip }
}

const invalidToken = () => new KeywardError('unauthorized', 'Invalid or expired token')
