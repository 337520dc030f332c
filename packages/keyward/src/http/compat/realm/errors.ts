import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode, KeywardError } from '../../../core/errors.js'
import { type EnvelopeOf, loggedKeywardError } from '../../errors.js'

/** Realm's `error_code` for each Keyward code (Atlas App Services names). */
const realmCode: Record<ErrorCode, string> = {
  validation_failed: 'InvalidParameter',
  query_too_expensive: 'InvalidParameter',
  webhook_target_refused: 'InvalidParameter',
  invalid_json: 'InvalidParameter',
  unauthorized: 'InvalidSession',
  forbidden: 'Forbidden',
  wrong_password: 'InvalidPassword',
  account_deactivated: 'UserDisabled',
  not_found: 'NotFound',
  conflict: 'APIKeyAlreadyExists',
  last_admin: 'Forbidden',
  payload_too_large: 'InvalidParameter',
  unsupported_media_type: 'InvalidParameter',
  request_timeout: 'InvalidParameter',
  headers_too_large: 'InvalidParameter',
  rate_limited: 'TooManyRequests',
  mail_failed: 'InternalServerError',
  unavailable: 'ServiceUnavailable',
  internal: 'InternalServerError',
}

/** Per-route overrides: the same Keyward code means different things to Realm on different routes. */
export type RealmErrorOverrides = Partial<Record<ErrorCode, { error_code: string; error?: string }>>

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Realm error codes (and messages) this route answers instead of the defaults. */
    realmErrors?: RealmErrorOverrides
  }
}

/** Password and key logins: a refused credential is `InvalidPassword`, never `InvalidSession`. */
export const passwordLoginErrors: RealmErrorOverrides = {
  unauthorized: { error_code: 'InvalidPassword', error: 'invalid username/password' },
}
/** A key login's message is the service's: "invalid API key", with the key's refusal (its holder may know it). */
export const keyLoginErrors: RealmErrorOverrides = {
  unauthorized: { error_code: 'InvalidPassword' },
}
export const keyIdErrors: RealmErrorOverrides = {
  not_found: { error_code: 'APIKeyNotFound', error: 'API key not found' },
}

/**
 * Writes Realm's envelope `{"error", "error_code"}` with `application/json`, so
 * realm-web throws `MongoDBRealmError` with the status. 401 stays reserved for
 * dead sessions: realm-web refreshes (or logs out) on it.
 */
export function sendRealmError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = loggedKeywardError(err, req)
  if (e.retryAfterS !== undefined) void reply.header('retry-after', String(e.retryAfterS))
  const { status, body } = realmEnvelope(e, req.url, req.id, req.routeOptions.config?.realmErrors?.[e.code])
  return reply.status(status).type('application/json').send(body)
}

/** Realm's envelope, with the route's `override` of the code (and message) when it has one. */
export function realmEnvelope(
  e: KeywardError,
  _url: string,
  requestId: string,
  override?: RealmErrorOverrides[ErrorCode],
): EnvelopeOf {
  return {
    status: e.status,
    body: {
      error: override?.error ?? (e.code === 'internal' ? `internal error (request ${requestId})` : e.message),
      error_code: override?.error_code ?? realmCode[e.code],
    },
  }
}
