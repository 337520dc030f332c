import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode } from '../../../core/errors.js'
import { type Envelope, loggedKeywardError } from '../../errors.js'

/**
 * HTTP status per error code on the balena face. balena clients treat only 401
 * as "not logged in"; a credential that may not do something is also a 401
 * there (a 403 would surface as a request error instead).
 */
const BALENA_STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  query_too_expensive: 400,
  webhook_target_refused: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 401,
  wrong_password: 401,
  // balena clients only know 401 as "cannot sign in"; the message says why.
  account_deactivated: 401,
  not_found: 404,
  conflict: 409,
  last_admin: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  request_timeout: 408,
  headers_too_large: 431,
  rate_limited: 429,
  mail_failed: 502,
  unavailable: 503,
  internal: 500,
}

/** balena's error envelope `{"error": "<code>", "message": "<text>"}`: the SDK prints `message`. */
export const balenaEnvelope: Envelope = (e, _url, requestId) => ({
  status: BALENA_STATUS[e.code],
  body: { error: e.code, message: e.message, ...(e.code === 'internal' && { request_id: requestId }) },
})

export function sendBalenaError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = loggedKeywardError(err, req)
  if (e.retryAfterS !== undefined) void reply.header('retry-after', String(e.retryAfterS))
  const { status, body } = balenaEnvelope(e, req.url, req.id)
  return reply.status(status).type('application/json').send(JSON.stringify(body))
}
